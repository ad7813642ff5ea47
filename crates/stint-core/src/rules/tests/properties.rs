//! Property tests over random sequences of assignments, policy changes, activations, approvals,
//! deactivations, ticks and clock moves (issue 3): nobody is a member outside an active schedule's
//! window, and no activation exists without eligibility, or without approval where the policy
//! required it when it was asked for.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;

use crate::directory::BuiltInRole;
use crate::ids::{GroupId, RequestId, UserId};
use crate::policy::Approver;
use crate::request::RequestAction;
use crate::rules::activation::self_request;
use crate::rules::approval::{review, Review};
use crate::rules::assignments::admin_request;
use crate::rules::fixture::*;
use crate::rules::scheduler::tick;
use crate::schedule::{Access, AssignmentType, ScheduleKind};

#[derive(Clone, Debug)]
enum Step {
    MakeEligible {
        user: usize,
        group: usize,
        hours: i64,
    },
    RequireApproval {
        group: usize,
        required: bool,
    },
    Activate {
        user: usize,
        group: usize,
        minutes: i64,
    },
    DecideOldestPending {
        approve: bool,
    },
    Deactivate {
        user: usize,
        group: usize,
    },
    Advance {
        minutes: i64,
    },
    Tick,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..3usize, 0..2usize, 1..200i64).prop_map(|(user, group, hours)| Step::MakeEligible {
            user,
            group,
            hours
        }),
        (0..2usize, any::<bool>())
            .prop_map(|(group, required)| Step::RequireApproval { group, required }),
        (0..3usize, 0..2usize, 1..600i64).prop_map(|(user, group, minutes)| Step::Activate {
            user,
            group,
            minutes
        }),
        any::<bool>().prop_map(|approve| Step::DecideOldestPending { approve }),
        (0..3usize, 0..2usize).prop_map(|(user, group)| Step::Deactivate { user, group }),
        (1..3000i64).prop_map(|minutes| Step::Advance { minutes }),
        Just(Step::Tick),
    ]
}

struct World {
    f: Fixture,
    admin: UserId,
    approver: UserId,
    users: Vec<UserId>,
    groups: Vec<GroupId>,
    now: DateTime<Utc>,
    /// Whether the policy required approval when each activation request was made.
    approval_required: HashMap<RequestId, bool>,
}

impl World {
    fn new() -> World {
        let mut f = Fixture::new();
        let admin = f.admin("gaby", BuiltInRole::GlobalAdministrator);
        let approver = f.user("carol");
        let users = ["alice", "bob", "dave"].map(|name| f.user(name)).to_vec();
        let groups: Vec<GroupId> = ["Finance", "Payments"].map(|name| f.group(name)).to_vec();
        for group in &groups {
            f.managed(*group);
            f.policy(*group, Access::Member, |s| {
                s.approval.approvers = vec![Approver::User(approver)]
            });
        }
        World {
            f,
            admin,
            approver,
            users,
            groups,
            now: t0(),
            approval_required: HashMap::new(),
        }
    }

    fn run(&mut self, step: &Step) {
        let now = self.now;
        match *step {
            Step::MakeEligible { user, group, hours } => {
                let input =
                    eligible(self.groups[group], self.users[user]).lasting(TimeDelta::hours(hours));
                let outcome = admin_request(&self.f.state, &self.f.context(self.admin, now), input);
                if let Ok((decision, _)) = outcome {
                    self.f.commit(decision);
                }
            }
            Step::RequireApproval { group, required } => {
                self.f.policy(self.groups[group], Access::Member, |s| {
                    s.approval.required = required
                });
            }
            Step::Activate {
                user,
                group,
                minutes,
            } => {
                let required = self.f.state.policies[&(self.groups[group], Access::Member)]
                    .settings
                    .approval
                    .required;
                let input = self_activate(self.groups[group], self.users[user])
                    .lasting(TimeDelta::minutes(minutes));
                let outcome =
                    self_request(&self.f.state, &self.f.context(self.users[user], now), input);
                if let Ok((decision, request)) = outcome {
                    self.approval_required.insert(request.id, required);
                    self.f.commit(decision);
                }
            }
            Step::DecideOldestPending { approve } => {
                let pending = self
                    .f
                    .state
                    .requests
                    .values()
                    .filter(|r| r.status.is_pending())
                    .min_by_key(|r| (r.created_at, r.id))
                    .and_then(|r| r.approval.as_ref().map(|a| (r.id, a.stage_id)));
                if let Some((id, stage)) = pending {
                    let answer = Review {
                        approve,
                        justification: Some("Checked".into()),
                        schedule: None,
                    };
                    if let Ok(decision) = review(
                        &self.f.state,
                        &self.f.context(self.approver, now),
                        id,
                        stage,
                        answer,
                    ) {
                        self.f.commit(decision);
                    }
                }
            }
            Step::Deactivate { user, group } => {
                let input = self_activate(self.groups[group], self.users[user])
                    .with_action(RequestAction::SelfDeactivate);
                if let Ok((decision, _)) =
                    self_request(&self.f.state, &self.f.context(self.users[user], now), input)
                {
                    self.f.commit(decision);
                }
            }
            Step::Advance { minutes } => self.now += TimeDelta::minutes(minutes),
            Step::Tick => {
                let decision = tick(&self.f.state, now, || self.f.fresh_id());
                self.f.commit(decision);
            }
        }
    }

    /// Nobody is a member at `at` unless a schedule of theirs is in force then.
    fn check_membership(&self, at: DateTime<Utc>) -> Result<(), TestCaseError> {
        for user in &self.users {
            for group in &self.groups {
                let member = self.f.state.is_effective_member((*user).into(), *group, at);
                let in_force = self
                    .f
                    .state
                    .schedules_for(*group, (*user).into(), Access::Member, ScheduleKind::Active)
                    .any(|s| s.is_in_force_at(at));
                prop_assert_eq!(
                    member,
                    in_force,
                    "user {:?} group {:?} at {}",
                    user,
                    group,
                    at
                );
            }
        }
        Ok(())
    }

    /// V3, V7: the scheduler's queues name exactly what a scan of every schedule and request finds
    /// due, at any instant.
    fn check_due_queues(&self) -> Result<(), TestCaseError> {
        let state = &self.f.state;
        for at in [self.now, self.now + TimeDelta::hours(30)] {
            let mut queued: Vec<_> = state.due().ends_by(at).collect();
            let mut scanned: Vec<_> = state
                .schedules
                .values()
                .filter(|s| s.ended.is_none() && s.window.end.is_some_and(|end| end <= at))
                .map(|s| s.id)
                .collect();
            queued.sort();
            scanned.sort();
            prop_assert_eq!(queued, scanned, "ends due at {}", at);

            let mut queued: Vec<_> = state.due().pending_since(at).collect();
            let mut scanned: Vec<_> = state
                .requests
                .values()
                .filter(|r| r.status.is_pending() && r.created_at <= at)
                .map(|r| r.id)
                .collect();
            queued.sort();
            scanned.sort();
            prop_assert_eq!(queued, scanned, "requests pending since {}", at);
        }
        Ok(())
    }

    /// Every activation came from an eligibility in force at its start, ends within it, and was
    /// approved where approval was required.
    fn check_activations(&self) -> Result<(), TestCaseError> {
        for schedule in self.f.state.schedules.values() {
            if schedule.assignment_type != AssignmentType::Activated {
                continue;
            }
            let request = &self.f.state.requests
                [&schedule.created_using.expect("an activation has a request")];
            prop_assert_eq!(request.action, RequestAction::SelfActivate);
            let source = request
                .activated_using
                .expect("an activation names its eligibility");
            let eligibility = &self.f.state.schedules[&source.eligibility];
            prop_assert_eq!(eligibility.kind, ScheduleKind::Eligible);
            prop_assert!(
                eligibility.window.contains(schedule.window.start),
                "eligible at the start"
            );
            let eligible_until = eligibility.window.end.expect("eligibilities here end");
            prop_assert!(
                schedule.window.end.is_some_and(|end| end <= eligible_until),
                "never outlasts the eligibility"
            );
            if self
                .approval_required
                .get(&request.id)
                .copied()
                .unwrap_or(false)
            {
                let approved = request
                    .approval
                    .as_ref()
                    .and_then(|a| a.decision.as_ref())
                    .is_some_and(|d| d.approved);
                prop_assert!(approved, "approval was required for {:?}", request.id);
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn v7_v1_v3_random_histories_keep_membership_and_activation_invariants(
        steps in proptest::collection::vec(step(), 1..60),
        probes in proptest::collection::vec(-600i64..6000, 4),
    ) {
        let mut world = World::new();
        for step in &steps {
            world.run(step);
            world.check_membership(world.now)?;
            world.check_due_queues()?;
        }
        for minutes in probes {
            world.check_membership(world.now + TimeDelta::minutes(minutes))?;
        }
        world.check_activations()?;
    }
}
