//! The in-process check: Stint's `check` on the loaded state, and the same questions answered by
//! Cedar (`cedar-policy`) from entities whose parents are the memberships in force now.

use std::collections::{HashMap, HashSet};
use std::hint::black_box;
use std::ops::Range;
use std::str::FromStr;
use std::time::Instant;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid,
    PolicySet, Request,
};
use chrono::{DateTime, Utc};
use hdrhistogram::Histogram;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use stint_core::check::check;
use stint_core::ids::{GroupId, PrincipalId, UserId};
use stint_core::schedule::{Access, ScheduleKind};
use stint_core::State;

use crate::generate::Dataset;
use crate::report::{rss_bytes, Latency};

/// One question: is `principal` an effective member of `group` now?
#[derive(Clone, Copy, Debug)]
pub struct Query {
    pub principal: PrincipalId,
    pub group: GroupId,
    pub kind: QueryKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryKind {
    /// A direct active membership in force.
    Direct,
    /// Through one to four levels of groups.
    Nested,
    /// An eligible-only, expired or future pair, or a random pair.
    Miss,
}

/// `n` questions: 40% direct members, 30% nested members, 30% non-members (half of them pairs
/// with an eligible, expired or future schedule, half random pairs).
pub fn queries(state: &State, dataset: &Dataset, now: DateTime<Utc>, n: usize) -> Vec<Query> {
    let mut rng = StdRng::seed_from_u64(11);
    let users: HashSet<PrincipalId> = dataset.users.iter().map(|u| (*u).into()).collect();
    let mut direct = Vec::new();
    let mut near_misses = Vec::new();
    for s in state.schedules.values() {
        if s.access() != Access::Member || !users.contains(&s.principal_id) {
            continue;
        }
        if s.kind == ScheduleKind::Active && s.is_in_force_at(now) {
            direct.push((s.principal_id, s.group_id()));
        } else {
            near_misses.push((s.principal_id, s.group_id()));
        }
    }
    direct.sort();
    near_misses.sort();
    let mut parents: HashMap<GroupId, Vec<GroupId>> = HashMap::new();
    for (child, parent) in &dataset.nesting {
        parents.entry(*child).or_default().push(*parent);
    }
    let nestable: Vec<(PrincipalId, GroupId)> = direct
        .iter()
        .copied()
        .filter(|(_, g)| parents.contains_key(g))
        .collect();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let query = match i % 10 {
            0..=3 => {
                let (principal, group) = direct[rng.gen_range(0..direct.len())];
                Query {
                    principal,
                    group,
                    kind: QueryKind::Direct,
                }
            }
            4..=6 => {
                let (principal, mut group) = nestable[rng.gen_range(0..nestable.len())];
                let steps = rng.gen_range(1..=4);
                for _ in 0..steps {
                    match parents.get(&group) {
                        Some(up) => group = up[rng.gen_range(0..up.len())],
                        None => break,
                    }
                }
                Query {
                    principal,
                    group,
                    kind: QueryKind::Nested,
                }
            }
            7 => {
                let (principal, group) = near_misses[rng.gen_range(0..near_misses.len())];
                Query {
                    principal,
                    group,
                    kind: QueryKind::Miss,
                }
            }
            _ => Query {
                principal: dataset.users[rng.gen_range(0..dataset.users.len())].into(),
                group: dataset.groups[rng.gen_range(0..dataset.groups.len())],
                kind: QueryKind::Miss,
            },
        };
        out.push(query);
    }
    out
}

/// Latency and throughput of one engine on the questions.
#[derive(Clone, Debug)]
pub struct EngineResult {
    pub latency: Latency,
    /// Checks per second, one thread, without per-call timing.
    pub per_second: f64,
    pub allowed: usize,
    pub queries: usize,
    /// (allowed, asked) for direct, nested and non-member questions.
    pub by_kind: [(usize, usize); 3],
    /// Median latency of direct, nested and non-member questions.
    pub p50_by_kind: [u64; 3],
}

fn kind_index(kind: QueryKind) -> usize {
    match kind {
        QueryKind::Direct => 0,
        QueryKind::Nested => 1,
        QueryKind::Miss => 2,
    }
}

/// What one engine's calls add up to, block after block.
struct Tally {
    histogram: Histogram<u64>,
    by_kind_histograms: [Histogram<u64>; 3],
    by_kind: [(usize, usize); 3],
    untimed_calls: usize,
    untimed_seconds: f64,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            histogram: new_histogram(),
            by_kind_histograms: [new_histogram(), new_histogram(), new_histogram()],
            by_kind: [(0, 0); 3],
            untimed_calls: 0,
            untimed_seconds: 0.0,
        }
    }

    /// Asks the questions `block` (indexes into `queries`) once timing each call, then once more
    /// back to back for throughput.
    fn run_block(&mut self, queries: &[Query], block: Range<usize>, ask: &impl Fn(usize) -> bool) {
        for i in block.clone() {
            let start = Instant::now();
            let answer = black_box(ask(black_box(i)));
            let nanos = start.elapsed().as_nanos().max(1) as u64;
            let kind = kind_index(queries[i].kind);
            self.histogram.saturating_record(nanos);
            self.by_kind_histograms[kind].saturating_record(nanos);
            self.by_kind[kind].0 += usize::from(answer);
            self.by_kind[kind].1 += 1;
        }
        let start = Instant::now();
        for i in block.clone() {
            black_box(ask(black_box(i)));
        }
        self.untimed_seconds += start.elapsed().as_secs_f64();
        self.untimed_calls += block.len();
    }

    fn result(&self) -> EngineResult {
        EngineResult {
            latency: Latency::from_histogram(&self.histogram),
            per_second: self.untimed_calls as f64 / self.untimed_seconds,
            allowed: self.by_kind.iter().map(|(allowed, _)| allowed).sum(),
            queries: self.by_kind.iter().map(|(_, asked)| asked).sum(),
            by_kind: self.by_kind,
            p50_by_kind: self
                .by_kind_histograms
                .each_ref()
                .map(|h| h.value_at_quantile(0.5)),
        }
    }
}

/// Stint's and (optionally) Cedar's figures from one interleaved measurement.
#[derive(Clone, Debug)]
pub struct Comparison {
    pub stint: EngineResult,
    pub cedar: Option<EngineResult>,
    /// Questions Cedar answered otherwise than Stint.
    pub disagreements: usize,
}

/// How many blocks each pass over the questions is cut into.
const BLOCKS: usize = 20;
/// Questions Stint answers untimed first when Cedar is not compared (and so gives no warm-up).
const WARM_UP: usize = 200_000;

/// Times `stint_core::check::check` on every question, `passes` times, and (with `cedar`: its
/// entity set and how many questions to ask) `Authorizer::is_authorized` on the first of them,
/// block by block in turn, so that both engines are measured under the same conditions: this VM's
/// speed drifts by ±20% over minutes, which would otherwise land on one engine and not the other.
/// Before that, both answer the questions Cedar is asked once, untimed: to count where they
/// disagree, and as a warm-up.
pub fn compare(
    state: &State,
    queries: &[Query],
    now: DateTime<Utc>,
    passes: usize,
    cedar: Option<(&CedarSetup, usize)>,
) -> anyhow::Result<Comparison> {
    let stint_ask = |i: usize| {
        let q = &queries[i];
        check(state, q.principal, q.group, Access::Member, now).is_some()
    };
    let cedar = cedar
        .map(|(setup, n)| CedarAsker::new(setup, &queries[..n.min(queries.len())]))
        .transpose()?;
    let disagreements = match &cedar {
        Some(cedar) => (0..cedar.requests.len())
            .filter(|&i| cedar.ask(i) != stint_ask(i))
            .count(),
        None => {
            for i in 0..queries.len().min(WARM_UP) {
                black_box(stint_ask(i));
            }
            0
        }
    };
    let mut stint_tally = Tally::new();
    let mut cedar_tally = Tally::new();
    for block in 0..BLOCKS * passes.max(1) {
        let part = block % BLOCKS;
        stint_tally.run_block(queries, part_of(queries.len(), part), &stint_ask);
        if let Some(cedar) = &cedar {
            let range = part_of(cedar.requests.len(), part);
            cedar_tally.run_block(queries, range, &|i| cedar.ask(i));
        }
    }
    Ok(Comparison {
        stint: stint_tally.result(),
        cedar: cedar.map(|_| cedar_tally.result()),
        disagreements,
    })
}

/// The `part`-th of [`BLOCKS`] equal parts of `0..len`.
fn part_of(len: usize, part: usize) -> Range<usize> {
    len * part / BLOCKS..len * (part + 1) / BLOCKS
}

/// Cedar's side: the entity set and how it was built.
pub struct CedarSetup {
    pub entities: Entities,
    pub policies: PolicySet,
    pub entity_count: usize,
    pub parent_edges: usize,
    pub build_seconds: f64,
    /// Resident memory the entity set added (RSS before and after building it).
    pub rss_bytes: i64,
}

const CEDAR_POLICY: &str =
    r#"permit(principal, action == Action::"check", resource) when { principal in resource };"#;

fn uid(type_name: &EntityTypeName, id: uuid::Uuid) -> EntityUid {
    EntityUid::from_type_name_and_id(type_name.clone(), EntityId::new(id.to_string()))
}

fn type_name(name: &str) -> anyhow::Result<EntityTypeName> {
    EntityTypeName::from_str(name).map_err(|e| anyhow::anyhow!("{e}"))
}

/// Users and groups as Cedar entities, each with the groups it is directly an active member of
/// now as parents (Cedar computes the transitive closure when the set is built).
pub fn cedar_setup(
    state: &State,
    dataset: &Dataset,
    now: DateTime<Utc>,
) -> anyhow::Result<CedarSetup> {
    let user_type = type_name("User")?;
    let group_type = type_name("Group")?;
    let rss_before = rss_bytes();
    let started = Instant::now();
    let mut parents: HashMap<uuid::Uuid, HashSet<EntityUid>> = HashMap::new();
    let mut parent_edges = 0;
    for s in state.schedules.values() {
        let in_force =
            s.access() == Access::Member && s.kind == ScheduleKind::Active && s.is_in_force_at(now);
        if in_force
            && parents
                .entry(s.principal_id.0)
                .or_default()
                .insert(uid(&group_type, s.group_id().0))
        {
            parent_edges += 1;
        }
    }
    let mut entities = Vec::with_capacity(dataset.users.len() + dataset.groups.len());
    for UserId(id) in &dataset.users {
        let ps = parents.remove(id).unwrap_or_default();
        entities.push(Entity::new_no_attrs(uid(&user_type, *id), ps));
    }
    for GroupId(id) in &dataset.groups {
        let ps = parents.remove(id).unwrap_or_default();
        entities.push(Entity::new_no_attrs(uid(&group_type, *id), ps));
    }
    let entity_count = entities.len();
    let entities = Entities::from_entities(entities, None)?;
    let build_seconds = started.elapsed().as_secs_f64();
    drop(parents);
    let rss_after = rss_bytes();
    let policies = PolicySet::from_str(CEDAR_POLICY).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(CedarSetup {
        entities,
        policies,
        entity_count,
        parent_edges,
        build_seconds,
        rss_bytes: rss_after - rss_before,
    })
}

/// Cedar's requests for the questions (built beforehand, outside the timing), and the means to
/// ask them.
struct CedarAsker<'a> {
    setup: &'a CedarSetup,
    authorizer: Authorizer,
    requests: Vec<Request>,
}

impl<'a> CedarAsker<'a> {
    fn new(setup: &'a CedarSetup, queries: &[Query]) -> anyhow::Result<CedarAsker<'a>> {
        let user_type = type_name("User")?;
        let group_type = type_name("Group")?;
        let action =
            EntityUid::from_str(r#"Action::"check""#).map_err(|e| anyhow::anyhow!("{e}"))?;
        let requests = queries
            .iter()
            .map(|q| {
                Request::new(
                    uid(&user_type, q.principal.0),
                    action.clone(),
                    uid(&group_type, q.group.0),
                    Context::empty(),
                    None,
                )
                .map_err(|e| anyhow::anyhow!("{e}"))
            })
            .collect::<anyhow::Result<Vec<Request>>>()?;
        Ok(CedarAsker {
            setup,
            authorizer: Authorizer::new(),
            requests,
        })
    }

    fn ask(&self, i: usize) -> bool {
        let response = (self.authorizer).is_authorized(
            &self.requests[i],
            &self.setup.policies,
            &self.setup.entities,
        );
        response.decision() == Decision::Allow
    }
}

fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("constant, valid bounds")
}
