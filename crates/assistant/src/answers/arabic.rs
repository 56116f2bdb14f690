//! Arabic answers (Modern Standard Arabic, Western digits as most Gulf shops print them).

use super::{HandoffTone, Phrases};
use crate::facts::{OrderFacts, OrderStatus, PaymentFacts, PaymentStatus, RefundStatus, ShipmentStatus};
use tradewind_language::Language;

pub struct Arabic;

impl Phrases for Arabic {
    fn language(&self) -> Language {
        Language::Arabic
    }

    fn order_status(&self, status: OrderStatus) -> &'static str {
        match status {
            OrderStatus::Pending => "بانتظار الدفع",
            OrderStatus::Paid => "مدفوع",
            OrderStatus::Processing => "قيد التجهيز",
            OrderStatus::Shipped => "تم الشحن",
            OrderStatus::Delivered => "تم التسليم",
            OrderStatus::Canceled => "ملغى",
            OrderStatus::Refunded => "تم استرداد المبلغ",
        }
    }

    fn payment_status(&self, status: PaymentStatus) -> &'static str {
        match status {
            PaymentStatus::RequiresPaymentMethod => "بانتظار وسيلة دفع",
            PaymentStatus::RequiresAction => "بانتظار تأكيدك",
            PaymentStatus::Processing => "قيد المعالجة",
            PaymentStatus::Succeeded => "ناجحة",
            PaymentStatus::Canceled => "ملغاة",
            PaymentStatus::Failed => "مرفوضة",
        }
    }

    fn refund_status(&self, status: RefundStatus) -> &'static str {
        match status {
            RefundStatus::Pending => "معلّق",
            RefundStatus::Succeeded => "مكتمل",
            RefundStatus::Failed => "فاشل",
            RefundStatus::Canceled => "تم إلغاؤه",
        }
    }

    fn shipment_status(&self, status: ShipmentStatus) -> &'static str {
        match status {
            ShipmentStatus::LabelCreated => "تم إنشاء البوليصة",
            ShipmentStatus::InTransit => "في الطريق",
            ShipmentStatus::OutForDelivery => "خرج للتوصيل",
            ShipmentStatus::Delivered => "تم التسليم",
            ShipmentStatus::Exception => "مشكلة في التوصيل",
        }
    }

    fn greeting(&self, merchant: &str) -> String {
        format!(
            "مرحبًا! أنا المساعد الافتراضي لمتجر {merchant}. يمكنني مساعدتك في طلبك أو الدفع أو الاسترداد أو الشحن أو سياساتنا. كيف أستطيع مساعدتك؟"
        )
    }

    fn thanks(&self) -> String {
        "العفو! هل هناك شيء آخر أستطيع مساعدتك فيه؟".to_owned()
    }

    fn ask_verification(&self) -> String {
        "يمكنني التحقق من ذلك. لحماية خصوصيتك، يرجى أولًا تأكيد رقم الطلب والبريد الإلكتروني الذي استخدمته عند الشراء."
            .to_owned()
    }

    fn order_not_found(&self, number: &str) -> String {
        format!("لم أجد الطلب {number} ضمن طلبات بريدك الإلكتروني الموثّق. هل يمكنك التأكد من الرقم؟")
    }

    fn order_not_listed(&self) -> String {
        "لم أجد هذا الطلب ضمن طلبات بريدك الإلكتروني الموثّق. هل يمكنك التأكد من الرقم؟".to_owned()
    }

    fn no_orders(&self) -> String {
        "لم أجد أي طلب مرتبط ببريدك الإلكتروني الموثّق.".to_owned()
    }

    fn orders_overview(&self, listed: &str, count: usize) -> String {
        format!("وجدت {count} طلبات لبريدك الإلكتروني: {listed}.")
    }

    fn order_summary(&self, order: &OrderFacts, placed: &str, items: &str) -> String {
        format!(
            "الطلب {} (بتاريخ {placed}) حالته: {}. الإجمالي: {}. المنتجات: {items}.",
            order.number,
            self.order_status(order.status),
            super::money(order.total)
        )
    }

    fn shipped(&self, order: &OrderFacts, carrier: &str, tracking: &str, shipped_on: &str) -> String {
        format!("سُلّم الطلب {} إلى {carrier} بتاريخ {shipped_on}، ورقم التتبع {tracking}.", order.number)
    }

    fn shipment_state(&self, status: &str) -> String {
        format!("حالة الشحنة الآن: {status}.")
    }

    fn estimated_delivery(&self, date: &str) -> String {
        format!("موعد التسليم المتوقع: {date}.")
    }

    fn tracking_link(&self, url: &str) -> String {
        format!("تتبّع الشحنة هنا: {url}")
    }

    fn not_shipped(&self, order: &OrderFacts) -> String {
        format!("الطلب {} لم يُسلَّم لشركة النقل بعد، وحالته: {}.", order.number, self.order_status(order.status))
    }

    fn payment(&self, order: &OrderFacts, payment: &PaymentFacts, amount: &str, date: &str) -> String {
        format!(
            "عملية الدفع بمبلغ {amount} للطلب {} ({}، {date}) حالتها: {}.",
            order.number,
            payment.method,
            self.payment_status(payment.status)
        )
    }

    fn no_payment(&self, order: &OrderFacts) -> String {
        format!("لا توجد عملية دفع مسجلة للطلب {} حتى الآن.", order.number)
    }

    fn refund(&self, order: &OrderFacts, amount: &str, status: &str, date: &str) -> String {
        format!("صدر استرداد بمبلغ {amount} للطلب {} بتاريخ {date}، وحالته: {status}.", order.number)
    }

    fn refund_expected(&self, date: &str) -> String {
        format!("من المتوقع أن يصل المبلغ إلى حسابك بحلول {date}.")
    }

    fn no_refund(&self, order: &OrderFacts) -> String {
        format!("لا يوجد استرداد على الطلب {}، وحالة الطلب: {}.", order.number, self.order_status(order.status))
    }

    fn article_intro(&self, title: &str) -> String {
        format!("من مقال المساعدة «{title}»:")
    }

    fn knowledge_not_found(&self) -> String {
        "لم أجد إجابة لذلك في مقالات المساعدة لدينا.".to_owned()
    }

    fn handoff(&self, tone: HandoffTone) -> String {
        match tone {
            HandoffTone::Requested => "بالتأكيد. سأحوّلك إلى أحد أعضاء فريقنا، وسيرد عليك هنا في أقرب وقت.",
            HandoffTone::Escalated => {
                "سأحوّل هذه المحادثة إلى أحد أعضاء فريقنا ليساعدك بالشكل المناسب، وسيرد عليك هنا في أقرب وقت."
            }
        }
        .to_owned()
    }

    fn refund_timing_query(&self) -> &'static str {
        "كم يستغرق وصول المبلغ المسترد إلى الحساب البنكي"
    }

    fn return_policy_query(&self) -> &'static str {
        "سياسة الإرجاع والاستبدال"
    }
}
