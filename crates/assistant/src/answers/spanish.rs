//! Spanish answers.

use super::{HandoffTone, Phrases};
use crate::facts::{OrderFacts, OrderStatus, PaymentFacts, PaymentStatus, RefundStatus, ShipmentStatus};
use tradewind_language::Language;

pub struct Spanish;

impl Phrases for Spanish {
    fn language(&self) -> Language {
        Language::Spanish
    }

    fn order_status(&self, status: OrderStatus) -> &'static str {
        match status {
            OrderStatus::Pending => "pendiente de pago",
            OrderStatus::Paid => "pagado",
            OrderStatus::Processing => "en preparación",
            OrderStatus::Shipped => "enviado",
            OrderStatus::Delivered => "entregado",
            OrderStatus::Canceled => "cancelado",
            OrderStatus::Refunded => "reembolsado",
        }
    }

    fn payment_status(&self, status: PaymentStatus) -> &'static str {
        match status {
            PaymentStatus::RequiresPaymentMethod => "a la espera de un medio de pago",
            PaymentStatus::RequiresAction => "a la espera de tu confirmación",
            PaymentStatus::Processing => "en proceso",
            PaymentStatus::Succeeded => "aprobado",
            PaymentStatus::Canceled => "cancelado",
            PaymentStatus::Failed => "rechazado",
        }
    }

    fn refund_status(&self, status: RefundStatus) -> &'static str {
        match status {
            RefundStatus::Pending => "pendiente",
            RefundStatus::Succeeded => "completado",
            RefundStatus::Failed => "fallido",
            RefundStatus::Canceled => "anulado",
        }
    }

    fn shipment_status(&self, status: ShipmentStatus) -> &'static str {
        match status {
            ShipmentStatus::LabelCreated => "etiqueta creada",
            ShipmentStatus::InTransit => "en tránsito",
            ShipmentStatus::OutForDelivery => "en reparto",
            ShipmentStatus::Delivered => "entregado",
            ShipmentStatus::Exception => "incidencia en la entrega",
        }
    }

    fn greeting(&self, merchant: &str) -> String {
        format!(
            "¡Hola! Soy el asistente virtual de {merchant}. Puedo ayudarte con tu pedido, pago, reembolso, envío o nuestras políticas. ¿En qué te ayudo?"
        )
    }

    fn thanks(&self) -> String {
        "¡De nada! ¿Hay algo más en lo que pueda ayudarte?".to_owned()
    }

    fn ask_verification(&self) -> String {
        "Puedo consultarlo. Para proteger tu privacidad, primero confirma tu número de pedido y el correo electrónico que usaste en la compra.".to_owned()
    }

    fn order_not_found(&self, number: &str) -> String {
        format!("No encontré el pedido {number} entre los pedidos de tu correo verificado. ¿Puedes revisar el número?")
    }

    fn order_not_listed(&self) -> String {
        "No encontré ese pedido entre los pedidos de tu correo verificado. ¿Puedes revisar el número?".to_owned()
    }

    fn no_orders(&self) -> String {
        "No encontré ningún pedido con tu correo verificado.".to_owned()
    }

    fn orders_overview(&self, listed: &str, count: usize) -> String {
        format!("Encontré {count} pedidos con tu correo: {listed}.")
    }

    fn order_summary(&self, order: &OrderFacts, placed: &str, items: &str) -> String {
        format!(
            "El pedido {} (realizado el {placed}) está {}. Total: {}. Artículos: {items}.",
            order.number,
            self.order_status(order.status),
            super::money(order.total)
        )
    }

    fn shipped(&self, order: &OrderFacts, carrier: &str, tracking: &str, shipped_on: &str) -> String {
        format!("El pedido {} salió el {shipped_on} con {carrier}, número de seguimiento {tracking}.", order.number)
    }

    fn shipment_state(&self, status: &str) -> String {
        format!("Estado actual del envío: {status}.")
    }

    fn estimated_delivery(&self, date: &str) -> String {
        format!("Entrega estimada: {date}.")
    }

    fn tracking_link(&self, url: &str) -> String {
        format!("Puedes seguirlo aquí: {url}")
    }

    fn not_shipped(&self, order: &OrderFacts) -> String {
        format!(
            "El pedido {} todavía no tiene un envío registrado; su estado es: {}.",
            order.number,
            self.order_status(order.status)
        )
    }

    fn payment(&self, order: &OrderFacts, payment: &PaymentFacts, amount: &str, date: &str) -> String {
        format!(
            "El pago de {amount} del pedido {} ({}, {date}) está {}.",
            order.number,
            payment.method,
            self.payment_status(payment.status)
        )
    }

    fn no_payment(&self, order: &OrderFacts) -> String {
        format!("Todavía no hay ningún pago registrado para el pedido {}.", order.number)
    }

    fn refund(&self, order: &OrderFacts, amount: &str, status: &str, date: &str) -> String {
        format!("Tu reembolso de {amount} del pedido {} se emitió el {date}; su estado es: {status}.", order.number)
    }

    fn refund_expected(&self, date: &str) -> String {
        format!("Debería llegar a tu cuenta a más tardar el {date}.")
    }

    fn no_refund(&self, order: &OrderFacts) -> String {
        format!(
            "No hay ningún reembolso en el pedido {}; su estado es: {}.",
            order.number,
            self.order_status(order.status)
        )
    }

    fn article_intro(&self, title: &str) -> String {
        format!("Según nuestro artículo de ayuda «{title}»:")
    }

    fn knowledge_not_found(&self) -> String {
        "No encontré una respuesta a eso en nuestros artículos de ayuda.".to_owned()
    }

    fn handoff(&self, tone: HandoffTone) -> String {
        match tone {
            HandoffTone::Requested => "Claro. Te paso con una persona de nuestro equipo; te responderá aquí lo antes posible.",
            HandoffTone::Escalated => "Voy a pasar esta conversación a una persona de nuestro equipo para que pueda ayudarte bien; te responderá aquí lo antes posible.",
        }
        .to_owned()
    }

    fn refund_timing_query(&self) -> &'static str {
        "cuánto tarda el reembolso en llegar a mi cuenta bancaria"
    }

    fn return_policy_query(&self) -> &'static str {
        "política de devoluciones y cambios"
    }
}
