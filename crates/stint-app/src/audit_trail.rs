//! The audit chain read whole, in chain order (SPEC U4): the export format of `stint audit
//! export`, and the paged reads behind it, `stint audit verify --database` and `stint audit head`.
//! The server exports through [`App::audit_export`]; the CLI reads a store it opened itself with
//! the same functions, so that a compromised server cannot vouch for its own chain.
//!
//! An export is JSON lines: first an [`ExportHeader`] naming the chain's head when the export
//! began, then every event of the range in chain order, each as stored ([`AuditEvent`]: its
//! sequence, record, previous hash and hash). The events stop at that head, so writes during the
//! export do not make it inconsistent.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::stream::{self, Stream, StreamExt};
use serde::{Deserialize, Serialize};
use stint_core::audit::{AuditEvent, AuditQuery, ChainHead};
use stint_store::{Store, StoreError};

use crate::error::AppResult;
use crate::{App, Session};

/// The version of the export format, in [`ExportHeader::stint_audit_export`].
pub const EXPORT_FORMAT: u32 = 1;

/// Events read from the store at a time.
const PAGE: usize = 1000;

/// The first line of an export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportHeader {
    /// The format's version: a line without it is no export.
    pub stint_audit_export: u32,
    pub exported_at: DateTime<Utc>,
    /// The range asked for; without `since` the export starts at the chain's first event.
    pub since: Option<DateTime<Utc>>,
    /// Without `until` the export runs up to `head`.
    pub until: Option<DateTime<Utc>>,
    /// The chain's newest event when the export began; none for an empty chain.
    pub head: Option<ChainHead>,
}

/// Which events an export holds: a contiguous stretch of the chain, from the first event at or
/// after `since` to the last before the first at or after `until`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExportRange {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// The chain's newest event, if it has any.
pub async fn chain_head(store: &dyn Store) -> Result<Option<ChainHead>, StoreError> {
    let newest = store
        .audit(&AuditQuery {
            limit: 1,
            ..AuditQuery::default()
        })
        .await?;
    Ok(newest.first().map(ChainHead::of))
}

/// The events of a range in chain order, a page at a time, up to a head fixed when it opened.
#[derive(Debug)]
pub struct ChainPages {
    store: Arc<dyn Store>,
    after: u64,
    up_to: u64,
    until: Option<DateTime<Utc>>,
    done: bool,
}

impl ChainPages {
    /// From the first event of `range` up to event `up_to`.
    pub async fn open(
        store: Arc<dyn Store>,
        range: ExportRange,
        up_to: u64,
    ) -> Result<ChainPages, StoreError> {
        let after = match range.since {
            None => 0,
            Some(since) => {
                let before = store
                    .audit(&AuditQuery {
                        until: Some(since),
                        limit: 1,
                        ..AuditQuery::default()
                    })
                    .await?;
                before.first().map_or(0, |event| event.sequence)
            }
        };
        Ok(ChainPages {
            store,
            after,
            up_to,
            until: range.until,
            done: false,
        })
    }

    /// The next events, or `None` once the range is read.
    pub async fn next_page(&mut self) -> Result<Option<Vec<AuditEvent>>, StoreError> {
        if self.done || self.after >= self.up_to {
            return Ok(None);
        }
        let mut page = self.store.audit_chain(self.after, PAGE).await?;
        let past_the_end = |event: &AuditEvent| {
            event.sequence > self.up_to || self.until.is_some_and(|until| event.record.at >= until)
        };
        if let Some(end) = page.iter().position(past_the_end) {
            page.truncate(end);
            self.done = true;
        }
        match page.last() {
            Some(last) => self.after = last.sequence,
            None => self.done = true,
        }
        Ok((!page.is_empty()).then_some(page))
    }
}

/// An export's lines, each ending in a newline: the header, then the events of `range`.
pub async fn export_lines(
    store: Arc<dyn Store>,
    range: ExportRange,
    exported_at: DateTime<Utc>,
) -> Result<impl Stream<Item = Result<String, StoreError>> + Send + 'static, StoreError> {
    let head = chain_head(store.as_ref()).await?;
    let pages =
        ChainPages::open(store, range, head.as_ref().map_or(0, |head| head.sequence)).await?;
    let header = ExportHeader {
        stint_audit_export: EXPORT_FORMAT,
        exported_at,
        since: range.since,
        until: range.until,
        head,
    };
    let first = stream::iter([Ok(json_line(&header))]);
    let events = stream::try_unfold(pages, |mut pages| async move {
        let page = pages.next_page().await?;
        Ok(page.map(|events| (events.iter().map(json_line).collect::<String>(), pages)))
    });
    Ok(first.chain(events))
}

/// A value as one line of JSON.
fn json_line<T: Serialize>(value: &T) -> String {
    // The header and events are plain structs: serialising them cannot fail.
    let mut line = serde_json::to_string(value).unwrap_or_default();
    line.push('\n');
    line
}

impl App {
    /// The export of `range` (see the module), for those who may read the whole audit (U2).
    pub async fn audit_export(
        &self,
        session: &Session,
        range: ExportRange,
    ) -> AppResult<impl Stream<Item = Result<String, StoreError>> + Send + 'static> {
        self.view(session).whole_audit()?;
        let now = self.now();
        Ok(export_lines(self.store.clone(), range, now).await?)
    }
}

#[cfg(test)]
mod tests {
    use futures::TryStreamExt;
    use stint_core::audit::{verify_chain, ChainStart};
    use stint_core::Decision;
    use stint_store::samples::{at, audit_record};
    use stint_store_sqlite::SqliteStore;

    use super::*;

    /// A store whose chain holds `count` events, event `n` at second `n`.
    async fn store_with(count: i64) -> Arc<dyn Store> {
        let store = SqliteStore::open("sqlite::memory:").await.unwrap();
        for second in 1..=count {
            let mut record = audit_record("group.update");
            record.at = at(second);
            let decision = Decision::new().audit(record);
            store.commit(None, &decision, at(second)).await.unwrap();
        }
        Arc::new(store)
    }

    async fn export(store: &Arc<dyn Store>, range: ExportRange) -> (ExportHeader, Vec<AuditEvent>) {
        let lines: Vec<String> = export_lines(store.clone(), range, at(100))
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        let text = lines.concat();
        let mut lines = text.lines();
        let header = serde_json::from_str(lines.next().unwrap()).unwrap();
        let events = lines
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        (header, events)
    }

    fn sequences(events: &[AuditEvent]) -> Vec<u64> {
        events.iter().map(|event| event.sequence).collect()
    }

    #[tokio::test]
    async fn u4_an_export_is_the_header_then_the_whole_chain_in_order() {
        let store = store_with(2500).await;
        let (header, events) = export(&store, ExportRange::default()).await;
        assert_eq!(header.stint_audit_export, EXPORT_FORMAT);
        assert_eq!(header.head.as_ref().map(|head| head.sequence), Some(2500));
        assert_eq!(sequences(&events), (1..=2500).collect::<Vec<_>>());
        let verified = verify_chain(events.into_iter().map(Ok::<_, ()>), ChainStart::Genesis);
        assert_eq!(verified.unwrap().last, header.head);
    }

    #[tokio::test]
    async fn u4_an_export_of_a_time_range_is_a_contiguous_stretch_of_the_chain() {
        let store = store_with(10).await;
        let range = ExportRange {
            since: Some(at(4)),
            until: Some(at(8)),
        };
        let (header, events) = export(&store, range).await;
        assert_eq!(sequences(&events), vec![4, 5, 6, 7]);
        assert_eq!(header.head.map(|head| head.sequence), Some(10));
        assert_eq!((header.since, header.until), (range.since, range.until));
        let nothing = ExportRange {
            since: Some(at(50)),
            until: None,
        };
        assert!(export(&store, nothing).await.1.is_empty());
    }

    #[tokio::test]
    async fn u4_an_empty_chain_exports_a_header_without_a_head() {
        let store = store_with(0).await;
        let (header, events) = export(&store, ExportRange::default()).await;
        assert_eq!(header.head, None);
        assert!(events.is_empty());
        assert_eq!(chain_head(store.as_ref()).await.unwrap(), None);
    }
}
