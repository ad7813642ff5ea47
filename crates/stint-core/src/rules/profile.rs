//! A person's own settings: the time zone the console shows their times in.

use crate::change::{Change, Decision};
use crate::rules::directory::existing_user;
use crate::rules::{AuditRecordExt, Context};
use crate::state::State;
use crate::time_zone::TimeZone;
use crate::violation::Violation;

/// The caller chooses the zone their times are shown in; `None` goes back to UTC. Choosing the
/// zone already chosen changes nothing and records nothing.
pub fn set_time_zone(
    state: &State,
    ctx: &Context,
    zone: Option<TimeZone>,
) -> Result<Decision, Violation> {
    let user = existing_user(state, ctx.caller.user)?;
    if user.time_zone == zone {
        return Ok(Decision::new());
    }
    let mut updated = user.clone();
    updated.time_zone = zone;
    let event = ctx
        .event("user.timeZone.set", "user", user.id)
        .about(None, Some(user.id.into()))
        .saying(format!(
            "Chose to read times in {}.",
            zone.unwrap_or_default().name()
        ));
    Ok(Decision::new().change(Change::User(updated)).audit(event))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::{t0, Fixture};

    #[test]
    fn a_person_chooses_their_zone_once_and_again_changes_nothing() {
        let mut fixture = Fixture::new();
        let alice = fixture.user("alice");
        let paris = TimeZone::named("Europe/Paris");
        let ctx = fixture.context(alice, t0());
        let decision = set_time_zone(&fixture.state, &ctx, paris).expect("allowed");
        let Some(Change::User(updated)) = decision.changes.first() else {
            panic!("expected the user to change: {decision:?}");
        };
        assert_eq!(updated.time_zone, paris);
        assert_eq!(decision.audit[0].action, "user.timeZone.set");
        assert!(decision.audit[0].message.contains("Europe/Paris"));

        fixture.commit(decision);
        let again = set_time_zone(&fixture.state, &ctx, paris).expect("allowed");
        assert!(again.changes.is_empty() && again.audit.is_empty());
    }
}
