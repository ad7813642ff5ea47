//! The data generator: users, groups nested up to depth 4, and schedules with a realistic mix of
//! active (in force, ended, future), eligible and expired windows, committed to a store through
//! [`Store::commit`] in big batches. Deterministic: the same seed and scale give the same ids and
//! windows relative to the reference time `now`.

use std::collections::HashSet;

use chrono::{DateTime, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use stint_core::directory::{Group, GroupKind, GroupSource, PasswordHash, User};
use stint_core::ids::{GroupId, PrincipalId, ScheduleId, UserId};
use stint_core::schedule::{
    Access, AssignmentType, EndReason, Ended, MemberType, Schedule, ScheduleKind, Window,
};
use stint_core::{Change, Decision};
use stint_store::Store;
use uuid::Uuid;

/// How big a data set is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scale {
    pub name: &'static str,
    pub users: usize,
    pub groups: usize,
    /// All schedules, group-in-group memberships included.
    pub schedules: usize,
    /// Active memberships the expiry benchmark makes end within one minute.
    pub expiring: usize,
    /// Users with a known password and an eligibility in the cross-node group.
    pub activators: usize,
}

impl Scale {
    pub const FULL: Scale = Scale {
        name: "full",
        users: 100_000,
        groups: 10_000,
        schedules: 1_000_000,
        expiring: 10_000,
        activators: 250,
    };
    pub const TENTH: Scale = Scale {
        name: "tenth",
        users: 10_000,
        groups: 1_000,
        schedules: 100_000,
        expiring: 1_000,
        activators: 250,
    };
}

/// The deepest nesting: a group at level 4 is a member of one at level 3, ..., up to level 0.
pub const MAX_DEPTH: u8 = 4;

/// The password of the activators (users `activator-N`).
pub const ACTIVATOR_PASSWORD: &str = "bench-activator-password-1";

/// What was generated, as far as the benchmarks need it.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub users: Vec<UserId>,
    pub groups: Vec<GroupId>,
    /// Group-in-group memberships (child, parent), all active and in force.
    pub nesting: Vec<(GroupId, GroupId)>,
    /// Counts of schedules per kind of window.
    pub mix: Mix,
    /// Active memberships in force (permanent until the expiry benchmark shortens them), each the
    /// only path from its user to its group: a leaf group the user has no other schedule in.
    pub expiring: Vec<Schedule>,
    /// Users with [`ACTIVATOR_PASSWORD`], eligible for membership of `activation_group`.
    pub activators: Vec<(UserId, String)>,
    pub activation_group: GroupId,
}

impl Dataset {
    /// A data set known only by its users, groups and nesting (read back from a store): what the
    /// in-process questions need.
    pub fn derived(
        users: Vec<UserId>,
        groups: Vec<GroupId>,
        nesting: Vec<(GroupId, GroupId)>,
    ) -> Dataset {
        Dataset {
            activation_group: groups.first().copied().unwrap_or(GroupId(Uuid::nil())),
            users,
            groups,
            nesting,
            mix: Mix::default(),
            expiring: Vec::new(),
            activators: Vec::new(),
        }
    }
}

/// How many schedules of each kind were generated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mix {
    pub nested: usize,
    pub active_now: usize,
    pub permanent: usize,
    pub owners: usize,
    pub eligible: usize,
    pub expired: usize,
    pub future: usize,
    pub expiring: usize,
    pub activator_eligibilities: usize,
}

impl Mix {
    pub fn total(&self) -> usize {
        self.nested
            + self.active_now
            + self.permanent
            + self.owners
            + self.eligible
            + self.expired
            + self.future
            + self.expiring
            + self.activator_eligibilities
    }
}

/// Changes per commit.
const BATCH: usize = 50_000;

struct Gen {
    rng: StdRng,
}

impl Gen {
    fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.rng.gen()).into_uuid()
    }

    /// Skewed towards the first groups: a few big groups, many small ones.
    fn skewed(&mut self, len: usize) -> usize {
        let u: f64 = self.rng.gen();
        ((u * u * u) * len as f64) as usize % len
    }

    fn minutes(&mut self, low: i64, high: i64) -> TimeDelta {
        TimeDelta::minutes(self.rng.gen_range(low..high))
    }
}

/// Builds the data set in memory and commits it to `store`, `BATCH` changes per commit.
/// `password_hash` is the PHC hash of [`ACTIVATOR_PASSWORD`].
pub async fn generate(
    store: &dyn Store,
    scale: Scale,
    seed: u64,
    now: DateTime<Utc>,
    password_hash: &str,
) -> anyhow::Result<Dataset> {
    let (dataset, changes) = build(scale, seed, now, password_hash)?;
    let mut changes = changes.into_iter().peekable();
    while changes.peek().is_some() {
        let decision = Decision {
            changes: changes.by_ref().take(BATCH).collect(),
            ..Decision::default()
        };
        store.commit(None, &decision, now).await?;
    }
    Ok(dataset)
}

/// The data set and its changes in order (users, groups, schedules).
pub fn build(
    scale: Scale,
    seed: u64,
    now: DateTime<Utc>,
    password_hash: &str,
) -> anyhow::Result<(Dataset, Vec<Change>)> {
    let mut changes = Vec::with_capacity(scale.users + scale.groups + scale.schedules);
    let mut emit = |change| changes.push(change);
    let mut g = Gen {
        rng: StdRng::seed_from_u64(seed),
    };
    let long_ago = now - TimeDelta::days(400);

    // Users; the first `activators` get a known password.
    let mut users = Vec::with_capacity(scale.users);
    let mut activators = Vec::new();
    for index in 0..scale.users {
        let id = UserId(g.uuid());
        let activator = index < scale.activators;
        let name = if activator {
            format!("activator-{index}")
        } else {
            format!("user-{index}")
        };
        if activator {
            activators.push((id, name.clone()));
        }
        emit(Change::User(User {
            id,
            user_principal_name: name.clone(),
            display_name: name,
            account_enabled: true,
            password_hash: PasswordHash(if activator {
                password_hash.to_owned()
            } else {
                // Not a valid PHC string: nobody signs in as a generated user.
                "!".to_owned()
            }),
            created_at: long_ago,
            authenticator: None,
            recent_failed_codes: Vec::new(),
            identities: Vec::new(),
            time_zone: None,
            mail: None,
        }));
        users.push(id);
    }

    // Groups; 40% take part in nesting, spread evenly over levels 0 to 4 (8% each), the rest
    // stand alone.
    let nesting_groups: Vec<usize> = (0..scale.groups).filter(|i| i % 20 < 8).collect();
    let mut levels = vec![None; scale.groups];
    for (rank, &index) in nesting_groups.iter().enumerate() {
        levels[index] = Some((rank % (MAX_DEPTH as usize + 1)) as u8);
    }
    let mut groups = Vec::with_capacity(scale.groups);
    for index in 0..scale.groups {
        let id = GroupId(g.uuid());
        groups.push(id);
        emit(Change::Group(managed_group(
            id,
            format!("group-{index}"),
            long_ago,
        )));
    }
    let by_level: Vec<Vec<usize>> = (0..=MAX_DEPTH)
        .map(|level| {
            nesting_groups
                .iter()
                .copied()
                .filter(|&i| levels[i] == Some(level))
                .collect()
        })
        .collect();

    let mut mix = Mix::default();
    let mut schedules_left = scale.schedules;
    // Group-in-group: every group at level k >= 1 is a member of one group at level k - 1, and one
    // in five of a second one.
    let mut nesting = Vec::new();
    let mut has_children = vec![false; scale.groups];
    for level in 1..=MAX_DEPTH as usize {
        for &child in &by_level[level] {
            let parents = if g.rng.gen_ratio(1, 5) { 2 } else { 1 };
            let mut chosen = HashSet::new();
            for _ in 0..parents {
                let above = &by_level[level - 1];
                let parent = above[g.rng.gen_range(0..above.len())];
                if !chosen.insert(parent) {
                    continue;
                }
                has_children[parent] = true;
                nesting.push((groups[child], groups[parent]));
                let start = now - g.minutes(60 * 24, 60 * 24 * 300);
                emit(Change::Schedule(schedule(
                    &mut g,
                    groups[parent],
                    groups[child].into(),
                    Access::Member,
                    ScheduleKind::Active,
                    Window::permanent_from(start),
                    None,
                )));
                mix.nested += 1;
                schedules_left -= 1;
            }
        }
    }

    // The group the cross-node benchmark activates in: a leaf group with no other use.
    let activation_group = *groups
        .iter()
        .enumerate()
        .rev()
        .find(|(i, _)| levels[*i].is_none())
        .map(|(_, id)| id)
        .ok_or_else(|| anyhow::anyhow!("no stand-alone group"))?;
    for (user, _) in &activators {
        emit(Change::Schedule(schedule(
            &mut g,
            activation_group,
            (*user).into(),
            Access::Member,
            ScheduleKind::Eligible,
            Window {
                start: now - TimeDelta::days(1),
                end: Some(now + TimeDelta::days(300)),
            },
            None,
        )));
        mix.activator_eligibilities += 1;
        schedules_left -= 1;
    }

    // Leaf groups (no child groups), where an expiring membership is the only path.
    let leaves: Vec<usize> = (0..scale.groups)
        .filter(|&i| !has_children[i] && groups[i] != activation_group)
        .collect();
    let mut expiring = Vec::with_capacity(scale.expiring);
    let mut pairs: HashSet<(usize, usize)> = HashSet::with_capacity(schedules_left);
    for n in 0..scale.expiring {
        let user = (n * 7919) % scale.users;
        let group = leaves[g.rng.gen_range(0..leaves.len())];
        if !pairs.insert((user, group)) {
            continue;
        }
        let s = schedule(
            &mut g,
            groups[group],
            users[user].into(),
            Access::Member,
            ScheduleKind::Active,
            Window::permanent_from(now - TimeDelta::days(2)),
            None,
        );
        expiring.push(s.clone());
        emit(Change::Schedule(s));
        mix.expiring += 1;
        schedules_left -= 1;
    }

    // The rest: user schedules on distinct (user, group) pairs; about ten per user.
    let mut made = 0usize;
    while made < schedules_left {
        let user = made % scale.users;
        let mut group = g.skewed(scale.groups);
        while groups[group] == activation_group || !pairs.insert((user, group)) {
            group = g.rng.gen_range(0..scale.groups);
        }
        let roll: u32 = g.rng.gen_range(0..100);
        let (access, kind, window, ended) = match roll {
            // Active now, ending in days to months.
            0..=39 => {
                mix.active_now += 1;
                let start = now - g.minutes(60, 60 * 24 * 90);
                let end = now + g.minutes(60 * 24, 60 * 24 * 180);
                (
                    Access::Member,
                    ScheduleKind::Active,
                    window(start, end),
                    None,
                )
            }
            // Active and permanent.
            40..=44 => {
                mix.permanent += 1;
                let start = now - g.minutes(60, 60 * 24 * 365);
                let w = Window::permanent_from(start);
                (Access::Member, ScheduleKind::Active, w, None)
            }
            // Owners, active now.
            45..=47 => {
                mix.owners += 1;
                let start = now - g.minutes(60, 60 * 24 * 90);
                let end = now + g.minutes(60 * 24, 60 * 24 * 180);
                (
                    Access::Owner,
                    ScheduleKind::Active,
                    window(start, end),
                    None,
                )
            }
            // Eligible, now and later.
            48..=72 => {
                mix.eligible += 1;
                let start = now - g.minutes(60, 60 * 24 * 90);
                let end = now + g.minutes(60 * 24, 60 * 24 * 365);
                (
                    Access::Member,
                    ScheduleKind::Eligible,
                    window(start, end),
                    None,
                )
            }
            // Expired (ended in the past and tidied up by the scheduler), active or eligible.
            73..=94 => {
                mix.expired += 1;
                let end = now - g.minutes(60, 60 * 24 * 300);
                let start = end - g.minutes(30, 60 * 24 * 30);
                let kind = if roll.is_multiple_of(3) {
                    ScheduleKind::Eligible
                } else {
                    ScheduleKind::Active
                };
                let ended = Ended {
                    at: end,
                    reason: EndReason::Expired,
                };
                (Access::Member, kind, window(start, end), Some(ended))
            }
            // Active in the future.
            _ => {
                mix.future += 1;
                let start = now + g.minutes(60 * 24, 60 * 24 * 60);
                let end = start + g.minutes(60, 60 * 24 * 30);
                (
                    Access::Member,
                    ScheduleKind::Active,
                    window(start, end),
                    None,
                )
            }
        };
        let s = schedule(
            &mut g,
            groups[group],
            users[user].into(),
            access,
            kind,
            window,
            ended,
        );
        emit(Change::Schedule(s));
        made += 1;
    }

    let dataset = Dataset {
        users,
        groups,
        nesting,
        mix,
        expiring,
        activators,
        activation_group,
    };
    Ok((dataset, changes))
}

/// A cloud security group, managed by PIM since `at`.
pub fn managed_group(id: GroupId, display_name: String, at: DateTime<Utc>) -> Group {
    Group {
        id,
        display_name,
        description: None,
        kind: GroupKind::Security,
        is_assignable_to_role: false,
        membership_rule: None,
        source: GroupSource::Cloud,
        created_at: at,
        managed_since: Some(at),
        deleted_at: None,
    }
}

fn window(start: DateTime<Utc>, end: DateTime<Utc>) -> Window {
    Window {
        start,
        end: Some(end),
    }
}

fn schedule(
    g: &mut Gen,
    group: GroupId,
    principal: PrincipalId,
    access: Access,
    kind: ScheduleKind,
    window: Window,
    ended: Option<Ended>,
) -> Schedule {
    let created = window.start.min(ended.map_or(window.start, |e| e.at));
    Schedule {
        id: ScheduleId {
            group,
            access,
            origin: g.uuid(),
        },
        kind,
        principal_id: principal,
        member_type: MemberType::Direct,
        assignment_type: AssignmentType::Assigned,
        window,
        created_using: None,
        created_at: created,
        modified_at: ended.map_or(created, |e| e.at),
        ended,
        reminders_sent: 0,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::HashMap;

    use super::*;

    const SMALL: Scale = Scale {
        name: "small",
        users: 1_000,
        groups: 100,
        schedules: 10_000,
        expiring: 100,
        activators: 10,
    };

    fn small() -> (Dataset, Vec<Change>) {
        let now = DateTime::UNIX_EPOCH + TimeDelta::days(20_000);
        build(SMALL, 7, now, "hash").unwrap()
    }

    #[test]
    fn the_counts_are_as_asked_and_the_mix_adds_up() {
        let (dataset, changes) = small();
        let schedules = changes
            .iter()
            .filter(|c| matches!(c, Change::Schedule(_)))
            .count();
        assert_eq!(schedules, SMALL.schedules);
        assert_eq!(dataset.mix.total(), SMALL.schedules);
        assert_eq!(dataset.users.len(), SMALL.users);
        assert_eq!(dataset.groups.len(), SMALL.groups);
        assert_eq!(dataset.expiring.len(), SMALL.expiring);
        assert!(dataset.mix.expired > SMALL.schedules / 10);
        assert!(dataset.mix.eligible > SMALL.schedules / 10);
        assert!(dataset.mix.future > 0 && dataset.mix.owners > 0);
    }

    #[test]
    fn nesting_reaches_depth_four_and_no_deeper() {
        let (dataset, _) = small();
        let mut parents: HashMap<GroupId, Vec<GroupId>> = HashMap::new();
        for (child, parent) in &dataset.nesting {
            parents.entry(*child).or_default().push(*parent);
        }
        fn depth(group: GroupId, parents: &HashMap<GroupId, Vec<GroupId>>) -> usize {
            parents.get(&group).map_or(0, |ps| {
                1 + ps.iter().map(|p| depth(*p, parents)).max().unwrap_or(0)
            })
        }
        let deepest = dataset
            .groups
            .iter()
            .map(|g| depth(*g, &parents))
            .max()
            .unwrap();
        assert_eq!(deepest, MAX_DEPTH as usize);
    }

    #[test]
    fn the_same_seed_gives_the_same_data() {
        let (a, ca) = small();
        let (b, cb) = small();
        assert_eq!(a.users, b.users);
        assert_eq!(ca, cb);
    }
}
