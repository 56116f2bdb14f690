//! Stored history of the realtime layer's persistent namespaces: a channel's epoch and
//! last offset, and its publications as the frames subscribers received, so offsets and
//! recovery survive a restart. The size bound is kept on every append, the age bound by
//! [`sweep`].

use crate::{Store, StoreResult};
use sqlx::AnyPool;

/// One stored publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFrame {
    pub offset: u64,
    pub published_at_ms: u64,
    pub frame: String,
}

/// A channel as stored: its epoch, last offset and kept publications, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChannel {
    pub epoch: String,
    pub last_offset: u64,
    pub publications: Vec<StoredFrame>,
}

/// What one append writes.
#[derive(Debug, Clone)]
pub struct Append<'a> {
    pub merchant_id: &'a str,
    pub channel: &'a str,
    pub epoch: &'a str,
    pub offset: u64,
    pub frame: &'a str,
    pub published_at_ms: u64,
    pub expires_at_ms: u64,
    /// Publications kept per channel; older offsets of the epoch are deleted.
    pub keep: u64,
}

fn signed(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn unsigned(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// Stores one publication, moves the channel's position forward (or to a new epoch) and
/// drops what the size bound no longer keeps, in one transaction. Appends of one channel
/// may commit out of offset order; the position only ever moves forward within an epoch.
pub async fn append(store: &Store, append: &Append<'_>) -> StoreResult<()> {
    let mut batch = store.batch();
    let offset = signed(append.offset);
    let published_at = signed(append.published_at_ms);
    batch.push(
        "INSERT INTO realtime_channels (merchant_id, channel, epoch, last_offset, updated_at_ms) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (merchant_id, channel) DO UPDATE SET \
         last_offset = CASE WHEN realtime_channels.epoch <> excluded.epoch \
         OR excluded.last_offset > realtime_channels.last_offset THEN excluded.last_offset \
         ELSE realtime_channels.last_offset END, \
         epoch = excluded.epoch, updated_at_ms = excluded.updated_at_ms",
        |arguments| {
            arguments.add(append.merchant_id)?;
            arguments.add(append.channel)?;
            arguments.add(append.epoch)?;
            arguments.add(offset)?;
            arguments.add(published_at)
        },
    )?;
    batch.push(
        "INSERT INTO realtime_publications \
         (merchant_id, channel, epoch, position, frame, published_at_ms, expires_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        |arguments| {
            arguments.add(append.merchant_id)?;
            arguments.add(append.channel)?;
            arguments.add(append.epoch)?;
            arguments.add(offset)?;
            arguments.add(append.frame)?;
            arguments.add(published_at)?;
            arguments.add(signed(append.expires_at_ms))
        },
    )?;
    batch.push(
        "DELETE FROM realtime_publications WHERE merchant_id = $1 AND channel = $2 \
         AND (epoch <> $3 OR position <= $4)",
        |arguments| {
            arguments.add(append.merchant_id)?;
            arguments.add(append.channel)?;
            arguments.add(append.epoch)?;
            arguments.add(offset.saturating_sub(signed(append.keep)))
        },
    )?;
    store.write(batch).await
}

/// The channel's stored position and the publications still kept at `now_ms` (at most
/// `limit`, the newest), oldest first; `None` for a channel never stored.
pub async fn load(
    pool: &AnyPool,
    merchant_id: &str,
    channel: &str,
    now_ms: u64,
    limit: u64,
) -> StoreResult<Option<StoredChannel>> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT epoch, last_offset FROM realtime_channels WHERE merchant_id = $1 AND channel = $2")
            .bind(merchant_id)
            .bind(channel)
            .fetch_optional(pool)
            .await?;
    let Some((epoch, last_offset)) = row else { return Ok(None) };
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT position, published_at_ms, frame FROM realtime_publications \
         WHERE merchant_id = $1 AND channel = $2 AND epoch = $3 AND expires_at_ms > $4 \
         ORDER BY position DESC LIMIT $5",
    )
    .bind(merchant_id)
    .bind(channel)
    .bind(&epoch)
    .bind(signed(now_ms))
    .bind(signed(limit))
    .fetch_all(pool)
    .await?;
    let mut publications: Vec<StoredFrame> = rows
        .into_iter()
        .map(|(offset, published_at_ms, frame)| StoredFrame {
            offset: unsigned(offset),
            published_at_ms: unsigned(published_at_ms),
            frame,
        })
        .collect();
    publications.reverse();
    Ok(Some(StoredChannel { epoch, last_offset: unsigned(last_offset), publications }))
}

/// Deletes publications past their namespace's age bound.
pub async fn sweep(store: &Store, now_ms: u64) -> StoreResult<()> {
    let mut batch = store.batch();
    batch.push("DELETE FROM realtime_publications WHERE expires_at_ms <= $1", |arguments| {
        arguments.add(signed(now_ms))
    })?;
    store.write(batch).await
}
