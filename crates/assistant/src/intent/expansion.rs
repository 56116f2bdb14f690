//! Words added to a knowledge search when the lexicon recognised a narrow topic: a buyer
//! writes "it arrived broken" or "收到的东西坏了", the merchant's article says "damaged"
//! or "破损". Only topics whose words cannot pull in an unrelated article are expanded
//! (damage, customs, payment methods, cancelling or changing an order); broad ones such
//! as cost or time are not, so "how much is this dress?" does not become a question
//! about shipping costs.

use super::{Cue, CueSet};
use tradewind_language::Language;

const EXPANSIONS: &[(Cue, Language, &str)] = &[
    (Cue::Damaged, Language::English, "damaged faulty"),
    (Cue::Damaged, Language::Spanish, "dañado defectuoso"),
    (Cue::Damaged, Language::Portuguese, "danificado defeito"),
    (Cue::Damaged, Language::Indonesian, "rusak cacat"),
    (Cue::Damaged, Language::Chinese, "破损 质量问题"),
    (Cue::Damaged, Language::Arabic, "تالف معيب"),
    (Cue::Customs, Language::English, "customs duties import taxes"),
    (Cue::Customs, Language::Spanish, "aduana aranceles impuestos de importación"),
    (Cue::Customs, Language::Portuguese, "alfândega imposto de importação"),
    (Cue::Customs, Language::Indonesian, "bea cukai pajak impor"),
    (Cue::Customs, Language::Chinese, "关税 海关 进口税"),
    (Cue::Customs, Language::Arabic, "الجمارك رسوم جمركية ضرائب الاستيراد"),
    (Cue::PaymentMethods, Language::English, "payment methods accept"),
    (Cue::PaymentMethods, Language::Spanish, "métodos de pago aceptamos"),
    (Cue::PaymentMethods, Language::Portuguese, "formas de pagamento aceitamos"),
    (Cue::PaymentMethods, Language::Indonesian, "metode pembayaran menerima"),
    (Cue::PaymentMethods, Language::Chinese, "支付方式 支持"),
    (Cue::PaymentMethods, Language::Arabic, "طرق الدفع نقبل"),
    (Cue::Cancel, Language::English, "cancel change order"),
    (Cue::Cancel, Language::Spanish, "cancelar modificar pedido"),
    (Cue::Cancel, Language::Portuguese, "cancelar alterar pedido"),
    (Cue::Cancel, Language::Indonesian, "membatalkan mengubah pesanan"),
    (Cue::Cancel, Language::Chinese, "取消 修改订单"),
    (Cue::Cancel, Language::Arabic, "إلغاء تعديل الطلب"),
];

/// Shipping times: asked with a shipping word and a time or a destination abroad.
const SHIPPING_TIMES: &[(Language, &str)] = &[
    (Language::English, "shipping times delivery business days"),
    (Language::Spanish, "tiempos de envío entrega días hábiles"),
    (Language::Portuguese, "prazos de entrega dias úteis"),
    (Language::Indonesian, "estimasi waktu pengiriman hari kerja"),
    (Language::Chinese, "发货 配送时效 工作日"),
    (Language::Arabic, "مدة الشحن والتوصيل أيام عمل"),
];

/// The buyer's message with the words of every narrow topic it names, in its language.
pub fn expand_query(message: &str, cues: CueSet, language: Language) -> String {
    let mut query = message.to_owned();
    let about_shipping = [Cue::Ship, Cue::Delivery, Cue::Package, Cue::Arrive].iter().any(|cue| cues.contains(*cue));
    let time_or_abroad = cues.contains(Cue::Time) || cues.contains(Cue::International);
    if about_shipping && time_or_abroad {
        for (expansion_language, words) in SHIPPING_TIMES {
            if *expansion_language == language {
                query.push(' ');
                query.push_str(words);
            }
        }
    }
    for (cue, expansion_language, words) in EXPANSIONS {
        if *expansion_language == language && cues.contains(*cue) {
            query.push(' ');
            query.push_str(words);
        }
    }
    query
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn expands_only_named_topics_in_the_message_language() {
        let mut cues = CueSet::default();
        cues.insert(Cue::Damaged);
        cues.insert(Cue::Cost);
        assert_eq!(expand_query("坏了", cues, Language::Chinese), "坏了 破损 质量问题");
        assert_eq!(expand_query("how much", CueSet::default(), Language::English), "how much");
    }
}
