//! The fakes' deterministic translation: a few common customer-service phrases in the
//! spoken languages, and `[target] text` for anything else, so a test can tell a
//! translated text from the original and see which language was asked for.

use crate::Language;

/// Columns: English, Spanish, Portuguese, Chinese, Indonesian, Arabic.
const COLUMNS: [Language; 6] = [
    Language::English,
    Language::Spanish,
    Language::Portuguese,
    Language::Chinese,
    Language::Indonesian,
    Language::Arabic,
];

const PHRASES: &[[&str; 6]] = &[
    ["Hello", "Hola", "Olá", "你好", "Halo", "مرحبا"],
    ["Thank you", "Gracias", "Obrigado", "谢谢", "Terima kasih", "شكرا"],
    [
        "Where is my order?",
        "¿Dónde está mi pedido?",
        "Onde está meu pedido?",
        "我的订单在哪里？",
        "Di mana pesanan saya?",
        "أين طلبي؟",
    ],
    [
        "I want a refund",
        "Quiero un reembolso",
        "Quero um reembolso",
        "我要退款",
        "Saya mau refund",
        "أريد استرداد المبلغ",
    ],
    [
        "Your order has shipped.",
        "Tu pedido ha sido enviado.",
        "Seu pedido foi enviado.",
        "您的订单已发货。",
        "Pesanan Anda sudah dikirim.",
        "تم شحن طلبك.",
    ],
    [
        "Your refund has been issued.",
        "Tu reembolso ha sido emitido.",
        "Seu reembolso foi emitido.",
        "您的退款已发出。",
        "Dana Anda sudah dikembalikan.",
        "تم إصدار المبلغ المسترد.",
    ],
    [
        "Can I help you with anything else?",
        "¿Puedo ayudarte con algo más?",
        "Posso ajudar com mais alguma coisa?",
        "还有什么可以帮您的吗？",
        "Ada lagi yang bisa saya bantu?",
        "هل يمكنني مساعدتك في شيء آخر؟",
    ],
];

/// `text` in `target`: the phrasebook's entry when `text` is one of its phrases in any
/// language (case and surrounding spaces ignored), else `[code] text`.
pub fn translate_phrase(text: &str, target: Language) -> String {
    let wanted = text.trim().to_lowercase();
    let column = COLUMNS.iter().position(|language| *language == target);
    let row = PHRASES.iter().find(|row| row.iter().any(|phrase| phrase.to_lowercase() == wanted));
    match (row, column) {
        (Some(row), Some(column)) => row[column].to_owned(),
        _ => format!("[{}] {}", target.code(), text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_translate_both_ways() {
        assert_eq!(translate_phrase(" hola ", Language::English), "Hello");
        assert_eq!(translate_phrase("Where is my order?", Language::Chinese), "我的订单在哪里？");
        assert_eq!(translate_phrase("我要退款", Language::Portuguese), "Quero um reembolso");
        assert_eq!(translate_phrase("hola", Language::French), "[fr] hola");
        assert_eq!(translate_phrase("see you", Language::Spanish), "[es] see you");
    }
}
