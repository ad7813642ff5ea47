//! Applying a change to many values in as few operations as possible, and when an operation
//! fails, splitting it in halves until only the values that really fail are left (whose cached
//! resolutions are then forgotten).

use std::future::Future;

use crate::cache::ResolutionCache;
use crate::{Applied, TargetError, TargetValue};

/// Why one operation on a piece of a batch failed.
#[derive(Debug)]
pub(crate) enum PieceError {
    /// Something about the values: split the piece and try the halves.
    Values(TargetError),
    /// Something about the whole target or group (unreachable, bad credentials, no such
    /// group): stop, since every other piece would fail the same way.
    Whole(TargetError),
}

impl From<TargetError> for PieceError {
    /// Transient errors are about the target, so they stop the batch; permanent ones are taken
    /// to be about the values (targets say `Whole` explicitly for group-wide permanent errors).
    fn from(error: TargetError) -> PieceError {
        if error.is_transient() {
            PieceError::Whole(error)
        } else {
            PieceError::Values(error)
        }
    }
}

/// Applies `apply` to `values` in pieces of at most `max_batch`, bisecting failed pieces; the
/// values that fail are forgotten in `cache`.
pub(crate) async fn apply_in_pieces<F, Fut>(
    values: &[TargetValue],
    max_batch: usize,
    cache: &ResolutionCache,
    mut apply: F,
) -> Result<Applied, TargetError>
where
    F: FnMut(Vec<TargetValue>) -> Fut,
    Fut: Future<Output = Result<(), PieceError>>,
{
    let mut applied = Applied::default();
    let mut pending: Vec<Vec<TargetValue>> = values
        .chunks(max_batch.max(1))
        .rev()
        .map(<[TargetValue]>::to_vec)
        .collect();
    while let Some(piece) = pending.pop() {
        match apply(piece.clone()).await {
            Ok(()) => applied.done.extend(piece),
            Err(PieceError::Whole(error)) => return Err(error),
            Err(PieceError::Values(error)) if piece.len() == 1 => {
                for value in piece {
                    cache.forget_value(&value);
                    applied.failed.push((value, error.clone()));
                }
            }
            Err(PieceError::Values(_)) => {
                let mut left = piece;
                let right = left.split_off(left.len() / 2);
                pending.push(right);
                pending.push(left);
            }
        }
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::DEFAULT_TTL;

    fn cache() -> ResolutionCache {
        ResolutionCache::new(DEFAULT_TTL)
    }

    fn values(names: &[&str]) -> Vec<TargetValue> {
        names.iter().map(|name| TargetValue::from(*name)).collect()
    }

    #[tokio::test]
    async fn a_batch_with_one_bad_value_reports_only_that_value_failed() {
        let mut calls = Vec::new();
        let applied = apply_in_pieces(
            &values(&["a", "b", "bad", "c", "d"]),
            10,
            &cache(),
            |piece| {
                calls.push(piece.len());
                let fails = piece.iter().any(|v| v.as_str() == "bad");
                async move {
                    if fails {
                        Err(PieceError::Values(TargetError::permanent("refused")))
                    } else {
                        Ok(())
                    }
                }
            },
        )
        .await
        .unwrap();
        assert_eq!(applied.done, values(&["a", "b", "c", "d"]));
        assert_eq!(applied.failed.len(), 1);
        assert_eq!(applied.failed[0].0.as_str(), "bad");
        assert_eq!(calls[0], 5, "all values go in one operation first");
    }

    #[tokio::test]
    async fn values_go_in_pieces_of_at_most_the_batch_size() {
        let mut calls = Vec::new();
        let applied = apply_in_pieces(&values(&["a", "b", "c", "d", "e"]), 2, &cache(), |piece| {
            calls.push(piece.len());
            async { Ok(()) }
        })
        .await
        .unwrap();
        assert_eq!(calls, [2, 2, 1]);
        assert_eq!(applied.done.len(), 5);
    }

    #[tokio::test]
    async fn a_transient_error_stops_the_batch_without_splitting() {
        let mut calls = 0;
        let error = apply_in_pieces(&values(&["a", "b", "c"]), 10, &cache(), |_| {
            calls += 1;
            async { Err(TargetError::transient("connection refused").into()) }
        })
        .await
        .unwrap_err();
        assert!(error.is_transient());
        assert_eq!(calls, 1);
    }
}
