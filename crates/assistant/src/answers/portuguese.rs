//! Portuguese answers (Brazilian usage).

use super::{HandoffTone, Phrases};
use crate::facts::{OrderFacts, OrderStatus, PaymentFacts, PaymentStatus, RefundStatus, ShipmentStatus};
use tradewind_language::Language;

pub struct Portuguese;

impl Phrases for Portuguese {
    fn language(&self) -> Language {
        Language::Portuguese
    }

    fn order_status(&self, status: OrderStatus) -> &'static str {
        match status {
            OrderStatus::Pending => "aguardando pagamento",
            OrderStatus::Paid => "com pagamento aprovado",
            OrderStatus::Processing => "em separação",
            OrderStatus::Shipped => "enviado",
            OrderStatus::Delivered => "entregue",
            OrderStatus::Canceled => "cancelado",
            OrderStatus::Refunded => "reembolsado",
        }
    }

    fn payment_status(&self, status: PaymentStatus) -> &'static str {
        match status {
            PaymentStatus::RequiresPaymentMethod => "aguardando uma forma de pagamento",
            PaymentStatus::RequiresAction => "aguardando sua confirmação",
            PaymentStatus::Processing => "em processamento",
            PaymentStatus::Succeeded => "aprovado",
            PaymentStatus::Canceled => "cancelado",
            PaymentStatus::Failed => "recusado",
        }
    }

    fn refund_status(&self, status: RefundStatus) -> &'static str {
        match status {
            RefundStatus::Pending => "pendente",
            RefundStatus::Succeeded => "concluído",
            RefundStatus::Failed => "com falha",
            RefundStatus::Canceled => "anulado",
        }
    }

    fn shipment_status(&self, status: ShipmentStatus) -> &'static str {
        match status {
            ShipmentStatus::LabelCreated => "etiqueta criada",
            ShipmentStatus::InTransit => "em trânsito",
            ShipmentStatus::OutForDelivery => "saiu para entrega",
            ShipmentStatus::Delivered => "entregue",
            ShipmentStatus::Exception => "problema na entrega",
        }
    }

    fn greeting(&self, merchant: &str) -> String {
        format!(
            "Olá! Sou o assistente virtual da {merchant}. Posso ajudar com seu pedido, pagamento, reembolso, entrega ou nossas políticas. Como posso ajudar?"
        )
    }

    fn thanks(&self) -> String {
        "Por nada! Posso ajudar em mais alguma coisa?".to_owned()
    }

    fn ask_verification(&self) -> String {
        "Posso consultar isso. Para proteger sua privacidade, primeiro confirme o número do pedido e o e-mail usado na compra.".to_owned()
    }

    fn order_not_found(&self, number: &str) -> String {
        format!("Não encontrei o pedido {number} entre os pedidos do seu e-mail verificado. Pode conferir o número?")
    }

    fn order_not_listed(&self) -> String {
        "Não encontrei esse pedido entre os pedidos do seu e-mail verificado. Pode conferir o número?".to_owned()
    }

    fn no_orders(&self) -> String {
        "Não encontrei nenhum pedido no seu e-mail verificado.".to_owned()
    }

    fn orders_overview(&self, listed: &str, count: usize) -> String {
        format!("Encontrei {count} pedidos no seu e-mail: {listed}.")
    }

    fn order_summary(&self, order: &OrderFacts, placed: &str, items: &str) -> String {
        format!(
            "O pedido {} (feito em {placed}) está {}. Total: {}. Itens: {items}.",
            order.number,
            self.order_status(order.status),
            super::money(order.total)
        )
    }

    fn shipped(&self, order: &OrderFacts, carrier: &str, tracking: &str, shipped_on: &str) -> String {
        format!(
            "O pedido {} foi despachado em {shipped_on} pela {carrier}, código de rastreio {tracking}.",
            order.number
        )
    }

    fn shipment_state(&self, status: &str) -> String {
        format!("Situação atual da entrega: {status}.")
    }

    fn estimated_delivery(&self, date: &str) -> String {
        format!("Previsão de entrega: {date}.")
    }

    fn tracking_link(&self, url: &str) -> String {
        format!("Acompanhe aqui: {url}")
    }

    fn not_shipped(&self, order: &OrderFacts) -> String {
        format!(
            "O pedido {} ainda não tem um envio registrado; a situação dele é: {}.",
            order.number,
            self.order_status(order.status)
        )
    }

    fn payment(&self, order: &OrderFacts, payment: &PaymentFacts, amount: &str, date: &str) -> String {
        format!(
            "O pagamento de {amount} do pedido {} ({}, {date}) está {}.",
            order.number,
            payment.method,
            self.payment_status(payment.status)
        )
    }

    fn no_payment(&self, order: &OrderFacts) -> String {
        format!("Ainda não há pagamento registrado para o pedido {}.", order.number)
    }

    fn refund(&self, order: &OrderFacts, amount: &str, status: &str, date: &str) -> String {
        format!("Seu reembolso de {amount} do pedido {} foi emitido em {date}; a situação é: {status}.", order.number)
    }

    fn refund_expected(&self, date: &str) -> String {
        format!("O valor deve chegar à sua conta até {date}.")
    }

    fn no_refund(&self, order: &OrderFacts) -> String {
        format!("Não há reembolso no pedido {}; a situação dele é: {}.", order.number, self.order_status(order.status))
    }

    fn article_intro(&self, title: &str) -> String {
        format!("Segundo nosso artigo de ajuda “{title}”:")
    }

    fn knowledge_not_found(&self) -> String {
        "Não encontrei uma resposta para isso nos nossos artigos de ajuda.".to_owned()
    }

    fn handoff(&self, tone: HandoffTone) -> String {
        match tone {
            HandoffTone::Requested => "Claro. Vou te passar para uma pessoa da nossa equipe; ela responderá aqui assim que puder.",
            HandoffTone::Escalated => "Vou passar esta conversa para uma pessoa da nossa equipe, para te ajudar direito; ela responderá aqui assim que puder.",
        }
        .to_owned()
    }

    fn refund_timing_query(&self) -> &'static str {
        "quanto tempo o reembolso leva para cair na minha conta do banco"
    }

    fn return_policy_query(&self) -> &'static str {
        "política de trocas e devoluções"
    }
}
