//! Service-level targets: how soon the team first responds and how soon it resolves,
//! per priority, in calendar time or in business hours only (then the clock stops while
//! the team is closed: a conversation opened Friday evening with a 4-hour target is due
//! Monday morning, not Saturday).
//!
//! Due times are always computed from the conversation's creation, so a priority change
//! recomputes them as if the new priority had applied from the start. A breach is
//! reported once: the caller stores the `breached_*` flags [`breaches`] asks it to set.

use crate::SupportError;
use crate::conversation::Priority;
use crate::hours::BusinessHours;
use crate::name::named_enum;

/// The longest target: 90 days. Anything longer is not a target anyone tracks.
pub const SLA_TARGET_SECONDS_MAX: u32 = 90 * 24 * 60 * 60;

/// One priority's targets; `None` means no target of that kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SlaTargets {
    pub first_response_seconds: Option<u32>,
    pub resolution_seconds: Option<u32>,
}

/// A merchant's (or team's) SLA policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlaPolicy {
    /// Indexed by priority, `None` first.
    targets: [SlaTargets; 5],
    business_hours_only: bool,
}

named_enum! {
    /// Which target was missed.
    pub enum BreachKind("SLA breach kind") {
        FirstResponse => "first_response",
        Resolution => "resolution",
    }
}

/// When a conversation's responses are due, Unix seconds; `None` when the policy sets no
/// target, or the business hours hold no open time to count it in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SlaDue {
    pub first_response_due: Option<i64>,
    pub resolution_due: Option<i64>,
}

/// What storage keeps about a conversation's SLA.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SlaState {
    /// The first agent reply (see [`crate::Message::is_agent_reply`]).
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    /// Whether a first-response breach was already reported.
    pub breached_first_response: bool,
    /// Whether a resolution breach was already reported.
    pub breached_resolution: bool,
    pub due: SlaDue,
}

/// A missed target, to record as an `sla_breached` event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Breach {
    pub kind: BreachKind,
    pub due_at: i64,
}

fn priority_index(priority: Priority) -> usize {
    match priority {
        Priority::None => 0,
        Priority::Low => 1,
        Priority::Medium => 2,
        Priority::High => 3,
        Priority::Urgent => 4,
    }
}

impl SlaPolicy {
    /// A policy from per-priority targets (a priority not listed has none; a later entry
    /// for the same priority replaces an earlier one). Each target is 1 second to
    /// [`SLA_TARGET_SECONDS_MAX`].
    pub fn new(targets: &[(Priority, SlaTargets)], business_hours_only: bool) -> Result<SlaPolicy, SupportError> {
        let mut table = [SlaTargets::default(); 5];
        for &(priority, priority_targets) in targets {
            for (target, seconds) in [
                ("first response", priority_targets.first_response_seconds),
                ("resolution", priority_targets.resolution_seconds),
            ] {
                if seconds.is_some_and(|seconds| seconds == 0 || seconds > SLA_TARGET_SECONDS_MAX) {
                    return Err(SupportError::SlaTargetInvalid {
                        priority,
                        target,
                        seconds_max: SLA_TARGET_SECONDS_MAX,
                    });
                }
            }
            table[priority_index(priority)] = priority_targets;
        }
        Ok(SlaPolicy { targets: table, business_hours_only })
    }

    /// A starting point for a merchant who has not set targets: urgent 15 minutes / 4
    /// hours, high 1 hour / 8 hours, medium 4 hours / 1 day, low 8 hours / 3 days, none
    /// 1 day / 7 days.
    pub fn standard(business_hours_only: bool) -> SlaPolicy {
        const HOUR: u32 = 60 * 60;
        let targets = |first_response, resolution| SlaTargets {
            first_response_seconds: Some(first_response),
            resolution_seconds: Some(resolution),
        };
        SlaPolicy {
            targets: [
                targets(24 * HOUR, 7 * 24 * HOUR),
                targets(8 * HOUR, 3 * 24 * HOUR),
                targets(4 * HOUR, 24 * HOUR),
                targets(HOUR, 8 * HOUR),
                targets(15 * 60, 4 * HOUR),
            ],
            business_hours_only,
        }
    }

    pub fn targets(&self, priority: Priority) -> SlaTargets {
        self.targets[priority_index(priority)]
    }

    pub fn business_hours_only(&self) -> bool {
        self.business_hours_only
    }
}

/// When a conversation created at `created_at` with `priority` must be answered and
/// resolved. With a business-hours policy the targets count only open time in `hours`
/// (a team with no hours configured, `None`, counts as always open).
pub fn due_times(created_at: i64, priority: Priority, policy: &SlaPolicy, hours: Option<&BusinessHours>) -> SlaDue {
    let targets = policy.targets(priority);
    let due = |seconds: Option<u32>| {
        let seconds = i64::from(seconds?);
        match hours {
            Some(hours) if policy.business_hours_only => hours.add_open_seconds(created_at, seconds),
            _ => created_at.checked_add(seconds),
        }
    };
    SlaDue { first_response_due: due(targets.first_response_seconds), resolution_due: due(targets.resolution_seconds) }
}

/// The breaches to report at `now`, each at most once: a target is breached when its
/// due time passed before it was met (met late, or still unmet at `now`), and its
/// `breached_*` flag is not set yet. The first-response clock also stops when the
/// conversation is resolved (nothing is owed on a conversation the buyer closed).
pub fn breaches(now: i64, state: &SlaState) -> Vec<Breach> {
    let missed = |due: Option<i64>, met_at: Option<i64>| {
        let due = due?;
        let breached = match met_at {
            Some(met_at) => met_at > due,
            None => now > due,
        };
        breached.then_some(due)
    };
    let first_response_met_at = match (state.first_response_at, state.resolved_at) {
        (Some(responded), Some(resolved)) => Some(responded.min(resolved)),
        (responded, resolved) => responded.or(resolved),
    };
    let mut found = Vec::new();
    if !state.breached_first_response
        && let Some(due_at) = missed(state.due.first_response_due, first_response_met_at)
    {
        found.push(Breach { kind: BreachKind::FirstResponse, due_at });
    }
    if !state.breached_resolution
        && let Some(due_at) = missed(state.due.resolution_due, state.resolved_at)
    {
        found.push(Breach { kind: BreachKind::Resolution, due_at });
    }
    found
}

impl SlaState {
    pub fn new(due: SlaDue) -> SlaState {
        SlaState { due, ..SlaState::default() }
    }

    /// Marks breaches as reported, so [`breaches`] does not report them again.
    pub fn record(&mut self, reported: &[Breach]) {
        for breach in reported {
            match breach.kind {
                BreachKind::FirstResponse => self.breached_first_response = true,
                BreachKind::Resolution => self.breached_resolution = true,
            }
        }
    }

    /// Recomputes the due times for a new priority, from creation. A breach already
    /// reported stays reported (the timeline keeps it), even if the new target is later.
    pub fn reprioritize(
        &mut self,
        created_at: i64,
        priority: Priority,
        policy: &SlaPolicy,
        hours: Option<&BusinessHours>,
    ) {
        self.due = due_times(created_at, priority, policy, hours);
    }

    /// A reopened conversation owes a resolution again: clears `resolved_at` (the due
    /// time stays the one computed from creation).
    pub fn reopen(&mut self) {
        self.resolved_at = None;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::hours::Interval;
    use jiff::civil::Weekday;

    const HOUR: i64 = 3600;
    /// Friday 2024-03-01 16:00 UTC.
    const FRIDAY_1600: i64 = 1_709_308_800;

    fn weekdays_nine_to_five() -> BusinessHours {
        let intervals: Vec<Interval> = Weekday::Monday
            .cycle_forward()
            .take(5)
            .map(|weekday| Interval { weekday, start_minute: 9 * 60, end_minute: 17 * 60 })
            .collect();
        BusinessHours::new("UTC", &intervals, &[]).unwrap()
    }

    #[test]
    fn targets_are_validated() {
        let bad = SlaTargets { first_response_seconds: Some(0), resolution_seconds: None };
        assert_eq!(
            SlaPolicy::new(&[(Priority::High, bad)], false),
            Err(SupportError::SlaTargetInvalid {
                priority: Priority::High,
                target: "first response",
                seconds_max: SLA_TARGET_SECONDS_MAX
            })
        );
        let too_long =
            SlaTargets { first_response_seconds: None, resolution_seconds: Some(SLA_TARGET_SECONDS_MAX + 1) };
        assert!(SlaPolicy::new(&[(Priority::Low, too_long)], false).is_err());
        let policy = SlaPolicy::new(
            &[(Priority::Urgent, SlaTargets { first_response_seconds: Some(60), resolution_seconds: None })],
            true,
        )
        .unwrap();
        assert_eq!(policy.targets(Priority::Low), SlaTargets::default());
        assert!(policy.business_hours_only());
        assert_eq!(due_times(100, Priority::Low, &policy, None), SlaDue::default());
    }

    #[test]
    fn calendar_targets_add_to_creation() {
        let policy = SlaPolicy::standard(false);
        let due = due_times(FRIDAY_1600, Priority::High, &policy, Some(&weekdays_nine_to_five()));
        assert_eq!(due.first_response_due, Some(FRIDAY_1600 + HOUR));
        assert_eq!(due.resolution_due, Some(FRIDAY_1600 + 8 * HOUR));
    }

    #[test]
    fn business_hours_skip_the_weekend() {
        let policy = SlaPolicy::standard(true);
        let hours = weekdays_nine_to_five();
        let due = due_times(FRIDAY_1600, Priority::High, &policy, Some(&hours));
        // One hour of first-response time: Friday 16:00 to 17:00.
        assert_eq!(due.first_response_due, Some(FRIDAY_1600 + HOUR));
        // Eight hours of resolution time: one on Friday, seven on Monday (09:00 to 16:00).
        let monday_1600 = FRIDAY_1600 + 3 * 24 * HOUR;
        assert_eq!(due.resolution_due, Some(monday_1600));
        // Created on Saturday: the clock starts Monday 09:00.
        let saturday_noon = FRIDAY_1600 + 20 * HOUR;
        let due = due_times(saturday_noon, Priority::Urgent, &policy, Some(&hours));
        assert_eq!(due.first_response_due, Some(monday_1600 - 7 * HOUR + 15 * 60));
        // Without hours, a business-hours policy counts calendar time.
        assert_eq!(
            due_times(saturday_noon, Priority::Urgent, &policy, None).first_response_due,
            Some(saturday_noon + 15 * 60)
        );
    }

    #[test]
    fn never_open_hours_have_no_due_time() {
        let closed = BusinessHours::new("UTC", &[], &[]).unwrap();
        assert_eq!(
            due_times(FRIDAY_1600, Priority::High, &SlaPolicy::standard(true), Some(&closed)),
            SlaDue::default()
        );
    }

    #[test]
    fn each_breach_is_reported_once() {
        let due = SlaDue { first_response_due: Some(1_000), resolution_due: Some(5_000) };
        let mut state = SlaState::new(due);
        assert!(breaches(1_000, &state).is_empty());
        let found = breaches(1_001, &state);
        assert_eq!(found, vec![Breach { kind: BreachKind::FirstResponse, due_at: 1_000 }]);
        state.record(&found);
        assert!(breaches(2_000, &state).is_empty());
        let found = breaches(5_001, &state);
        assert_eq!(found, vec![Breach { kind: BreachKind::Resolution, due_at: 5_000 }]);
        state.record(&found);
        assert!(breaches(9_999, &state).is_empty());
    }

    #[test]
    fn met_targets_do_not_breach_and_late_ones_do() {
        let due = SlaDue { first_response_due: Some(1_000), resolution_due: Some(5_000) };
        let on_time = SlaState { first_response_at: Some(1_000), resolved_at: Some(5_000), ..SlaState::new(due) };
        assert!(breaches(10_000, &on_time).is_empty());
        let late = SlaState { first_response_at: Some(1_500), resolved_at: Some(5_500), ..SlaState::new(due) };
        // Reported even when the worker first looks after both were met late.
        assert_eq!(breaches(10_000, &late).len(), 2);
        // Resolved before the first-response target without a reply: nothing was owed.
        let closed_by_buyer = SlaState { resolved_at: Some(900), ..SlaState::new(due) };
        assert!(breaches(10_000, &closed_by_buyer).is_empty());
    }

    #[test]
    fn a_priority_change_recomputes_from_creation() {
        let policy = SlaPolicy::standard(false);
        let created_at = 10_000;
        let mut state = SlaState::new(due_times(created_at, Priority::Low, &policy, None));
        assert_eq!(state.due.first_response_due, Some(created_at + 8 * HOUR));
        state.reprioritize(created_at, Priority::Urgent, &policy, None);
        assert_eq!(state.due.first_response_due, Some(created_at + 15 * 60));
        // Raised after the new target already passed: the breach shows at once.
        assert_eq!(breaches(created_at + HOUR, &state).len(), 1);
        state.resolved_at = Some(created_at + HOUR);
        state.reopen();
        assert_eq!(state.resolved_at, None);
    }
}
