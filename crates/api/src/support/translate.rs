//! Translation of messages when a translator is configured (`--translation-url`): a
//! team reply into the buyer's language, a buyer's message into the agents' languages.
//! The original always stays the message's text; translations sit beside it. A
//! translator that fails leaves the message untranslated (logged), never unsent.

use crate::state::AppState;
use crate::wire::support::BUYER_LANGUAGE_KEY;
use std::collections::BTreeMap;
use tradewind_language::Language;
use tradewind_storage::support::conversations::ConversationRow;

/// A team message's translations for the buyer: `{"es": "…", "_buyer_language": "es"}`
/// when the buyer's language differs from the message's.
pub async fn for_buyer(
    state: &AppState,
    conversation: &ConversationRow,
    text: &str,
    language: Option<Language>,
) -> BTreeMap<String, String> {
    let mut translations = BTreeMap::new();
    let Some(buyer) = conversation.language.as_deref().and_then(|code| Language::parse(code).ok()) else {
        return translations;
    };
    if Some(buyer) == language {
        return translations;
    }
    let Some(translator) = &state.support.translator else { return translations };
    match translator.translate(text, language, buyer).await {
        Ok(translation) => {
            translations.insert(buyer.code().to_owned(), translation.text);
            translations.insert(BUYER_LANGUAGE_KEY.to_owned(), buyer.code().to_owned());
        }
        Err(error) => tracing::warn!(conversation = %conversation.id, %error, "reply not translated"),
    }
    translations
}

/// A buyer's message in each of `targets` other than its own language.
pub async fn for_agents(
    state: &AppState,
    conversation_id: &str,
    text: &str,
    language: Option<Language>,
    targets: &[Language],
) -> BTreeMap<String, String> {
    let mut translations = BTreeMap::new();
    let Some(translator) = &state.support.translator else { return translations };
    for target in targets {
        if Some(*target) == language || translations.contains_key(target.code()) {
            continue;
        }
        match translator.translate(text, language, *target).await {
            Ok(translation) => {
                translations.insert(target.code().to_owned(), translation.text);
            }
            Err(error) => tracing::warn!(conversation = %conversation_id, %error, "buyer message not translated"),
        }
    }
    translations
}
