//! C2: who a link's target group must hold now — the linked group's effective members (or
//! owners), exactly what the check answers — and the next instant one of them stops being one,
//! so that a worker can push the removal at that instant (V7: the check is already false then).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::check::check;
use crate::connector::Link;
use crate::ids::{GroupId, PrincipalId, UserId};
use crate::schedule::Access;
use crate::state::State;

/// What a link's target group must hold at one instant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    /// The enabled users the check allows now, in id order, each with when that ends (`None`:
    /// it does not end by itself).
    pub users: Vec<(UserId, Option<DateTime<Utc>>)>,
    /// The earliest instant one of `users` stops being allowed (`None`: none ends by itself).
    pub next_end: Option<DateTime<Utc>>,
}

/// The users `link`'s target group must hold at `now`, and when the first of them ends.
pub fn wanted(state: &State, link: &Link, now: DateTime<Utc>) -> Wanted {
    let candidates: BTreeSet<PrincipalId> = match link.access {
        Access::Member => state.transitive_members(link.group, now),
        Access::Owner => state.direct_holders(link.group, Access::Owner, now),
    };
    let mut wanted = Wanted::default();
    for principal in candidates {
        if is_group(state, principal) || !state.users.contains_key(&UserId(principal.0)) {
            continue;
        }
        let Some(grant) = check(state, principal, link.group, link.access, now) else {
            continue;
        };
        wanted.users.push((UserId(principal.0), grant.until));
        if let Some(until) = grant.until {
            wanted.next_end = Some(wanted.next_end.map_or(until, |next| next.min(until)));
        }
    }
    wanted
}

impl Wanted {
    /// The users, without their ends.
    pub fn ids(&self) -> Vec<UserId> {
        self.users.iter().map(|(user, _)| *user).collect()
    }
}

fn is_group(state: &State, principal: PrincipalId) -> bool {
    state.live_group(GroupId(principal.0)).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::LinkId;
    use crate::rules::fixture::*;
    use crate::schedule::{ScheduleKind, Window};

    fn link(group: GroupId, access: Access) -> Link {
        Link {
            id: LinkId(uuid::Uuid::nil()),
            group,
            access,
            target: "cn=finance,ou=groups,dc=example,dc=org".into(),
            member_attribute: None,
            created_at: t0(),
        }
    }

    fn member(f: &mut Fixture, group: GroupId, principal: impl Into<PrincipalId>, w: Window) {
        f.schedule(group, principal, Access::Member, ScheduleKind::Active, w);
    }

    #[test]
    fn c2_a_link_wants_the_direct_and_nested_members_in_force_until_the_first_ends() {
        let mut f = Fixture::new();
        let (alice, bob, carol) = (f.user("alice"), f.user("bob"), f.user("carol"));
        let finance = f.group("Finance");
        let team = f.group("Payroll");
        member(&mut f, finance, alice, window(t0(), t0() + hours(8)));
        member(&mut f, finance, team, window(t0(), t0() + hours(3)));
        member(&mut f, team, bob, window(t0(), t0() + days(2)));
        member(
            &mut f,
            finance,
            carol,
            window(t0() + hours(1), t0() + hours(2)),
        );

        let now = wanted(&f.state, &link(finance, Access::Member), t0() + minutes(1));
        let mut expected = vec![alice, bob];
        expected.sort();
        assert_eq!(now.ids(), expected, "groups are flattened, not listed");
        assert_eq!(
            now.next_end,
            Some(t0() + hours(3)),
            "bob ends with the nesting"
        );

        let at_end = wanted(&f.state, &link(finance, Access::Member), t0() + hours(3));
        assert_eq!(
            at_end.users,
            vec![(alice, Some(t0() + hours(8)))],
            "V7: at the end instant bob is gone"
        );
        assert_eq!(at_end.next_end, Some(t0() + hours(8)));
    }

    #[test]
    fn c2_a_link_does_not_want_disabled_users() {
        let mut f = Fixture::new();
        let alice = f.user("alice");
        let finance = f.group("Finance");
        f.member(finance, alice);
        assert_eq!(
            wanted(&f.state, &link(finance, Access::Member), t0()).ids(),
            vec![alice]
        );
        f.disable(alice);
        let after = wanted(&f.state, &link(finance, Access::Member), t0());
        assert_eq!(after, Wanted::default());
    }

    #[test]
    fn c2_an_owner_link_wants_the_owners_not_the_members() {
        let mut f = Fixture::new();
        let (alice, bob) = (f.user("alice"), f.user("bob"));
        let finance = f.group("Finance");
        f.member(finance, alice);
        f.owner(finance, bob);
        let owners = wanted(&f.state, &link(finance, Access::Owner), t0());
        assert_eq!(owners.ids(), vec![bob]);
        assert_eq!(owners.next_end, None);
    }
}
