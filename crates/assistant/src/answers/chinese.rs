//! Chinese answers (simplified).

use super::{HandoffTone, Phrases};
use crate::facts::{OrderFacts, OrderStatus, PaymentFacts, PaymentStatus, RefundStatus, ShipmentStatus};
use tradewind_language::Language;

pub struct Chinese;

impl Phrases for Chinese {
    fn language(&self) -> Language {
        Language::Chinese
    }

    fn order_status(&self, status: OrderStatus) -> &'static str {
        match status {
            OrderStatus::Pending => "待付款",
            OrderStatus::Paid => "已付款",
            OrderStatus::Processing => "备货中",
            OrderStatus::Shipped => "已发货",
            OrderStatus::Delivered => "已送达",
            OrderStatus::Canceled => "已取消",
            OrderStatus::Refunded => "已退款",
        }
    }

    fn payment_status(&self, status: PaymentStatus) -> &'static str {
        match status {
            PaymentStatus::RequiresPaymentMethod => "待选择支付方式",
            PaymentStatus::RequiresAction => "待您确认",
            PaymentStatus::Processing => "支付处理中",
            PaymentStatus::Succeeded => "支付成功",
            PaymentStatus::Canceled => "支付已取消",
            PaymentStatus::Failed => "支付失败",
        }
    }

    fn refund_status(&self, status: RefundStatus) -> &'static str {
        match status {
            RefundStatus::Pending => "退款处理中",
            RefundStatus::Succeeded => "退款成功",
            RefundStatus::Failed => "退款失败",
            RefundStatus::Canceled => "退款已撤销",
        }
    }

    fn shipment_status(&self, status: ShipmentStatus) -> &'static str {
        match status {
            ShipmentStatus::LabelCreated => "已生成运单",
            ShipmentStatus::InTransit => "运输中",
            ShipmentStatus::OutForDelivery => "派送中",
            ShipmentStatus::Delivered => "已签收",
            ShipmentStatus::Exception => "配送异常",
        }
    }

    fn greeting(&self, merchant: &str) -> String {
        format!(
            "您好！我是{merchant}的智能助手，可以帮您查询订单、付款、退款、物流，或解答我们的政策问题。请问有什么可以帮您？"
        )
    }

    fn thanks(&self) -> String {
        "不客气！还有什么可以帮您的吗？".to_owned()
    }

    fn ask_verification(&self) -> String {
        "我可以帮您查询。为保护您的隐私，请先提供订单号和下单时使用的邮箱。".to_owned()
    }

    fn order_not_found(&self, number: &str) -> String {
        format!("在您已验证邮箱的订单中没有找到订单{number}，请核对一下订单号。")
    }

    fn order_not_listed(&self) -> String {
        "在您已验证邮箱的订单中没有找到这个订单，请核对一下订单号。".to_owned()
    }

    fn no_orders(&self) -> String {
        "您已验证的邮箱下没有找到任何订单。".to_owned()
    }

    fn orders_overview(&self, listed: &str, count: usize) -> String {
        format!("您的邮箱下共有{count}个订单：{listed}。")
    }

    fn order_summary(&self, order: &OrderFacts, placed: &str, items: &str) -> String {
        format!(
            "订单{}（下单时间：{placed}）当前状态：{}。总额：{}。商品：{items}。",
            order.number,
            self.order_status(order.status),
            super::money(order.total)
        )
    }

    fn shipped(&self, order: &OrderFacts, carrier: &str, tracking: &str, shipped_on: &str) -> String {
        format!("订单{}已于{shipped_on}交由{carrier}承运，运单号{tracking}。", order.number)
    }

    fn shipment_state(&self, status: &str) -> String {
        format!("当前物流状态：{status}。")
    }

    fn estimated_delivery(&self, date: &str) -> String {
        format!("预计送达：{date}。")
    }

    fn tracking_link(&self, url: &str) -> String {
        format!("查询链接：{url}")
    }

    fn not_shipped(&self, order: &OrderFacts) -> String {
        format!("订单{}暂无物流信息，当前状态：{}。", order.number, self.order_status(order.status))
    }

    fn payment(&self, order: &OrderFacts, payment: &PaymentFacts, amount: &str, date: &str) -> String {
        format!(
            "订单{}的付款{amount}（{}，{date}）状态：{}。",
            order.number,
            payment.method,
            self.payment_status(payment.status)
        )
    }

    fn no_payment(&self, order: &OrderFacts) -> String {
        format!("订单{}目前没有付款记录。", order.number)
    }

    fn refund(&self, order: &OrderFacts, amount: &str, status: &str, date: &str) -> String {
        format!("订单{}的退款{amount}已于{date}发起，状态：{status}。", order.number)
    }

    fn refund_expected(&self, date: &str) -> String {
        format!("预计最晚{date}到账。")
    }

    fn no_refund(&self, order: &OrderFacts) -> String {
        format!("订单{}没有退款记录，订单状态：{}。", order.number, self.order_status(order.status))
    }

    fn article_intro(&self, title: &str) -> String {
        format!("根据帮助文章《{title}》：")
    }

    fn knowledge_not_found(&self) -> String {
        "抱歉，帮助文章中没有找到相关答案。".to_owned()
    }

    fn handoff(&self, tone: HandoffTone) -> String {
        match tone {
            HandoffTone::Requested => "好的，正在为您转接人工客服，工作人员会尽快在这里回复您。",
            HandoffTone::Escalated => "我已将对话转给我们的工作人员，以便更好地为您处理，他们会尽快在这里回复您。",
        }
        .to_owned()
    }

    fn refund_timing_query(&self) -> &'static str {
        "退款多久到账 银行"
    }

    fn return_policy_query(&self) -> &'static str {
        "退换货政策"
    }
}
