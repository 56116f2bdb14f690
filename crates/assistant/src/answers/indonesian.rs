//! Indonesian answers.

use super::{HandoffTone, Phrases};
use crate::facts::{OrderFacts, OrderStatus, PaymentFacts, PaymentStatus, RefundStatus, ShipmentStatus};
use tradewind_language::Language;

pub struct Indonesian;

impl Phrases for Indonesian {
    fn language(&self) -> Language {
        Language::Indonesian
    }

    fn order_status(&self, status: OrderStatus) -> &'static str {
        match status {
            OrderStatus::Pending => "menunggu pembayaran",
            OrderStatus::Paid => "sudah dibayar",
            OrderStatus::Processing => "sedang dikemas",
            OrderStatus::Shipped => "sudah dikirim",
            OrderStatus::Delivered => "sudah diterima",
            OrderStatus::Canceled => "dibatalkan",
            OrderStatus::Refunded => "sudah direfund",
        }
    }

    fn payment_status(&self, status: PaymentStatus) -> &'static str {
        match status {
            PaymentStatus::RequiresPaymentMethod => "menunggu metode pembayaran",
            PaymentStatus::RequiresAction => "menunggu konfirmasi Anda",
            PaymentStatus::Processing => "sedang diproses",
            PaymentStatus::Succeeded => "berhasil",
            PaymentStatus::Canceled => "dibatalkan",
            PaymentStatus::Failed => "gagal",
        }
    }

    fn refund_status(&self, status: RefundStatus) -> &'static str {
        match status {
            RefundStatus::Pending => "masih menunggu",
            RefundStatus::Succeeded => "selesai",
            RefundStatus::Failed => "tidak berhasil",
            RefundStatus::Canceled => "dibatalkan",
        }
    }

    fn shipment_status(&self, status: ShipmentStatus) -> &'static str {
        match status {
            ShipmentStatus::LabelCreated => "label dibuat",
            ShipmentStatus::InTransit => "dalam perjalanan",
            ShipmentStatus::OutForDelivery => "sedang diantar kurir",
            ShipmentStatus::Delivered => "sudah diterima",
            ShipmentStatus::Exception => "ada kendala pengiriman",
        }
    }

    fn greeting(&self, merchant: &str) -> String {
        format!(
            "Halo! Saya asisten virtual {merchant}. Saya bisa membantu soal pesanan, pembayaran, refund, pengiriman, atau kebijakan kami. Ada yang bisa saya bantu?"
        )
    }

    fn thanks(&self) -> String {
        "Sama-sama! Ada lagi yang bisa saya bantu?".to_owned()
    }

    fn ask_verification(&self) -> String {
        "Saya bisa mengeceknya. Demi keamanan data Anda, mohon konfirmasi dulu nomor pesanan dan alamat email yang Anda pakai saat membeli.".to_owned()
    }

    fn order_not_found(&self, number: &str) -> String {
        format!(
            "Saya tidak menemukan pesanan {number} di antara pesanan email Anda yang terverifikasi. Bisa dicek lagi nomornya?"
        )
    }

    fn order_not_listed(&self) -> String {
        "Saya tidak menemukan pesanan itu di antara pesanan email Anda yang terverifikasi. Bisa dicek lagi nomornya?"
            .to_owned()
    }

    fn no_orders(&self) -> String {
        "Saya tidak menemukan pesanan apa pun untuk email Anda yang terverifikasi.".to_owned()
    }

    fn orders_overview(&self, listed: &str, count: usize) -> String {
        format!("Saya menemukan {count} pesanan untuk email Anda: {listed}.")
    }

    fn order_summary(&self, order: &OrderFacts, placed: &str, items: &str) -> String {
        format!(
            "Pesanan {} (dibuat pada {placed}) statusnya {}. Total: {}. Barang: {items}.",
            order.number,
            self.order_status(order.status),
            super::money(order.total)
        )
    }

    fn shipped(&self, order: &OrderFacts, carrier: &str, tracking: &str, shipped_on: &str) -> String {
        format!("Pesanan {} diserahkan ke {carrier} pada {shipped_on}, nomor resi {tracking}.", order.number)
    }

    fn shipment_state(&self, status: &str) -> String {
        format!("Status pengiriman saat ini: {status}.")
    }

    fn estimated_delivery(&self, date: &str) -> String {
        format!("Perkiraan tiba: {date}.")
    }

    fn tracking_link(&self, url: &str) -> String {
        format!("Lacak di sini: {url}")
    }

    fn not_shipped(&self, order: &OrderFacts) -> String {
        format!("Pesanan {} belum diserahkan ke kurir; statusnya: {}.", order.number, self.order_status(order.status))
    }

    fn payment(&self, order: &OrderFacts, payment: &PaymentFacts, amount: &str, date: &str) -> String {
        format!(
            "Pembayaran {amount} untuk pesanan {} ({}, {date}) statusnya {}.",
            order.number,
            payment.method,
            self.payment_status(payment.status)
        )
    }

    fn no_payment(&self, order: &OrderFacts) -> String {
        format!("Belum ada pembayaran yang tercatat untuk pesanan {}.", order.number)
    }

    fn refund(&self, order: &OrderFacts, amount: &str, status: &str, date: &str) -> String {
        format!(
            "Refund Anda sebesar {amount} untuk pesanan {} diajukan pada {date}; statusnya: {status}.",
            order.number
        )
    }

    fn refund_expected(&self, date: &str) -> String {
        format!("Dana seharusnya masuk ke rekening Anda paling lambat {date}.")
    }

    fn no_refund(&self, order: &OrderFacts) -> String {
        format!(
            "Tidak ada refund untuk pesanan {}; status pesanannya: {}.",
            order.number,
            self.order_status(order.status)
        )
    }

    fn article_intro(&self, title: &str) -> String {
        format!("Dari artikel bantuan kami “{title}”:")
    }

    fn knowledge_not_found(&self) -> String {
        "Saya tidak menemukan jawabannya di artikel bantuan kami.".to_owned()
    }

    fn handoff(&self, tone: HandoffTone) -> String {
        match tone {
            HandoffTone::Requested => "Baik. Saya sambungkan Anda dengan tim kami; mereka akan membalas di sini secepatnya.",
            HandoffTone::Escalated => "Saya teruskan percakapan ini ke tim kami agar Anda dibantu dengan tepat; mereka akan membalas di sini secepatnya.",
        }
        .to_owned()
    }

    fn refund_timing_query(&self) -> &'static str {
        "berapa lama refund masuk ke rekening bank"
    }

    fn return_policy_query(&self) -> &'static str {
        "pengembalian penukaran barang retur"
    }
}
