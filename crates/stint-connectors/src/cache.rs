//! Resolutions of members to target values, kept for a while so that a sync does not search the
//! target for every member every time. Only found values are kept: a user missing in the target
//! is looked up again at the next sync, so one created there later is found. An entry is used
//! only while the member's name and mail are what they were when it was resolved.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::{Member, TargetValue};

/// How long a resolution is trusted by default.
pub(crate) const DEFAULT_TTL: Duration = Duration::from_secs(600);

#[derive(Debug)]
struct Entry {
    user_principal_name: String,
    mail: Option<String>,
    value: TargetValue,
    stored: Instant,
}

/// Member id and a target-specific scope (e.g. "dn" or "uid" for LDAP) → value.
#[derive(Debug)]
pub(crate) struct ResolutionCache {
    entries: Mutex<HashMap<(Uuid, &'static str), Entry>>,
    ttl: Duration,
}

impl ResolutionCache {
    pub(crate) fn new(ttl: Duration) -> ResolutionCache {
        ResolutionCache {
            entries: Mutex::new(HashMap::new()),
            ttl,
        }
    }

    pub(crate) fn get(&self, scope: &'static str, member: &Member) -> Option<TargetValue> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(&(member.id, scope))
            .filter(|entry| {
                entry.user_principal_name == member.user_principal_name
                    && entry.mail == member.mail
                    && entry.stored.elapsed() < self.ttl
            })
            .map(|entry| entry.value.clone())
    }

    pub(crate) fn put(&self, scope: &'static str, member: &Member, value: &TargetValue) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.insert(
            (member.id, scope),
            Entry {
                user_principal_name: member.user_principal_name.clone(),
                mail: member.mail.clone(),
                value: value.clone(),
                stored: Instant::now(),
            },
        );
    }

    /// Forgets every resolution of `member`.
    pub(crate) fn forget(&self, member: Uuid) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|(id, _), _| *id != member);
    }

    /// Forgets every resolution to `value` (after a change of it failed).
    pub(crate) fn forget_value(&self, value: &TargetValue) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|_, entry| entry.value != *value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member() -> Member {
        Member {
            id: Uuid::new_v4(),
            user_principal_name: "alice@example.com".into(),
            mail: None,
        }
    }

    #[test]
    fn a_resolution_is_used_only_while_the_member_is_unchanged() {
        let cache = ResolutionCache::new(DEFAULT_TTL);
        let alice = member();
        cache.put("dn", &alice, &TargetValue::from("uid=alice"));
        assert_eq!(
            cache.get("dn", &alice),
            Some(TargetValue::from("uid=alice"))
        );
        assert_eq!(cache.get("uid", &alice), None, "scopes are apart");
        let renamed = Member {
            user_principal_name: "alice.b@example.com".into(),
            ..alice.clone()
        };
        assert_eq!(cache.get("dn", &renamed), None);
        cache.forget_value(&TargetValue::from("uid=alice"));
        assert_eq!(cache.get("dn", &alice), None);
    }

    #[test]
    fn an_expired_resolution_is_not_used() {
        let cache = ResolutionCache::new(Duration::ZERO);
        let alice = member();
        cache.put("dn", &alice, &TargetValue::from("uid=alice"));
        assert_eq!(cache.get("dn", &alice), None);
    }
}
