//! API keys: generation, hashing and the merchant bootstrap (`merchant create`).

use crate::error::ApiResult;
use sha2::{Digest, Sha256};
use tradewind_payments::id::{ApiKeyId, MerchantId};
use tradewind_storage::api_keys::ApiKeyRow;
use tradewind_storage::merchants::MerchantRow;
use tradewind_storage::{Connection, Store};

const KEY_BODY_LENGTH: usize = 32;
const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// SHA-256 of the key, hex. Keys carry 190 bits of randomness, so a fast hash is
/// enough (a slow password hash would protect nothing more).
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

pub fn random_token(length: usize) -> String {
    (0..length).map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char).collect()
}

/// A freshly made merchant and the keys shown once.
#[derive(Debug, serde::Serialize)]
pub struct NewMerchant {
    pub id: String,
    pub secret_key: String,
    pub publishable_key: String,
}

/// Inserts a key of `kind` and returns its plaintext.
pub async fn insert_key(connection: &mut Connection, merchant_id: &str, kind: &str, now: i64) -> ApiResult<String> {
    let prefix = if kind == "secret" { "sk_test_" } else { "pk_test_" };
    let key = format!("{prefix}{}", random_token(KEY_BODY_LENGTH));
    let row = ApiKeyRow {
        id: ApiKeyId::generate().to_string(),
        merchant_id: merchant_id.to_owned(),
        kind: kind.to_owned(),
        key_hash: hash_key(&key),
        display_suffix: key[key.len() - 4..].to_owned(),
        publishable_key: (kind == "publishable").then(|| key.clone()),
        created_at: now,
        expires_at: None,
    };
    tradewind_storage::api_keys::insert(connection, &row).await?;
    Ok(key)
}

pub async fn create_merchant(store: &Store, name: &str, now: i64) -> ApiResult<NewMerchant> {
    let id = MerchantId::generate().to_string();
    let mut transaction = store.begin().await?;
    let row = MerchantRow { id: id.clone(), name: name.to_owned(), clock_offset_seconds: 0, created_at: now };
    tradewind_storage::merchants::insert(transaction.connection(), &row).await?;
    let secret_key = insert_key(transaction.connection(), &id, "secret", now).await?;
    let publishable_key = insert_key(transaction.connection(), &id, "publishable", now).await?;
    transaction.commit().await?;
    Ok(NewMerchant { id, secret_key, publishable_key })
}
