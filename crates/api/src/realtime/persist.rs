//! History of persistent namespaces in the database (SQLite or PostgreSQL).
//!
//! The hub stays the one place offsets are assigned and fan-out happens; for a channel of
//! a persistent namespace it is seeded from the database on first use after a start
//! ([`Persist::ensure_loaded`]), and every publication is written through
//! ([`Persist::append`]) before the publisher's `ack` or HTTP answer, so an acknowledged
//! publication survives a restart with its offset and epoch. Age bounds are kept by the
//! worker's [`Persist::sweep`].

use tradewind_realtime::hub::{ChannelKey, Hub, Published, StoredPublication};
use tradewind_realtime::namespace::Namespace;
use tradewind_storage::realtime_history::{self, Append};
use tradewind_storage::{Store, StoreError};

#[derive(Clone)]
pub struct Persist {
    store: Store,
}

impl Persist {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Seeds the hub with the stored stream of `key` when its namespace is persistent and
    /// the hub does not hold the channel yet.
    pub async fn ensure_loaded(
        &self,
        hub: &Hub,
        key: &ChannelKey,
        namespace: &Namespace,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        if !namespace.persistent || hub.has_channel(key) {
            return Ok(());
        }
        let stored = realtime_history::load(
            self.store.pool(),
            &key.merchant_id,
            &key.channel,
            now_ms,
            u64::from(namespace.history_size),
        )
        .await?;
        if let Some(stored) = stored {
            let history = stored
                .publications
                .into_iter()
                .map(|publication| StoredPublication {
                    offset: publication.offset,
                    published_at_ms: publication.published_at_ms,
                    frame: publication.frame.into(),
                })
                .collect();
            hub.seed_channel(key, stored.epoch, stored.last_offset, history);
        }
        Ok(())
    }

    /// Writes a publication of a persistent namespace through to the database.
    pub async fn append(
        &self,
        key: &ChannelKey,
        namespace: &Namespace,
        published: &Published,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        if !namespace.persistent {
            return Ok(());
        }
        let append = Append {
            merchant_id: &key.merchant_id,
            channel: &key.channel,
            epoch: &published.publication.epoch,
            offset: published.publication.offset,
            frame: &published.frame,
            published_at_ms: now_ms,
            expires_at_ms: now_ms.saturating_add(namespace.history_ttl_seconds.saturating_mul(1000)),
            keep: u64::from(namespace.history_size),
        };
        realtime_history::append(&self.store, &append).await
    }

    /// Deletes stored publications past their age bound.
    pub async fn sweep(&self, now_ms: u64) -> Result<(), StoreError> {
        realtime_history::sweep(&self.store, now_ms).await
    }
}
