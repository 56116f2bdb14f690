//! SLA invariants over generated business hours in zones with and without daylight
//! saving: a business-hours due time holds exactly the target's open time (checked
//! minute by minute), never comes before the calendar one, grows with the target, and
//! each breach is reported once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::civil::Weekday;
use proptest::prelude::*;
use tradewind_support::sla::BreachKind;
use tradewind_support::{
    BusinessHours, Interval, Priority, SlaDue, SlaPolicy, SlaState, SlaTargets, breaches, due_times,
};

const ZONES: [&str; 6] =
    ["UTC", "America/New_York", "Asia/Shanghai", "Europe/London", "Australia/Sydney", "Asia/Kolkata"];
/// 2024-01-01T00:00Z; creation times fall within the two years after it.
const START: i64 = 1_704_067_200;
const TWO_YEARS: i64 = 2 * 365 * 24 * 60 * 60;
/// The longest span checked minute by minute (30 days), to keep the oracle affordable.
const ORACLE_MINUTES_MAX: i64 = 30 * 24 * 60;

/// Up to two intervals a day, on quarter hours, from four sorted distinct points.
fn hours() -> impl Strategy<Value = BusinessHours> {
    let day = prop::collection::btree_set(0u16..=96, 4).prop_map(|points| {
        let points: Vec<u16> = points.into_iter().map(|quarter| quarter * 15).collect();
        [(points[0], points[1]), (points[2], points[3])]
    });
    (prop::sample::select(ZONES.to_vec()), prop::collection::vec((prop::option::of(day), any::<bool>()), 7)).prop_map(
        |(zone, days)| {
            let mut intervals = Vec::new();
            for (weekday, (day, both)) in Weekday::Monday.cycle_forward().zip(days) {
                let Some(pairs) = day else { continue };
                for &(start_minute, end_minute) in pairs.iter().take(if both { 2 } else { 1 }) {
                    intervals.push(Interval { weekday, start_minute, end_minute });
                }
            }
            BusinessHours::new(zone, &intervals, &[]).unwrap()
        },
    )
}

fn policy(first_response_minutes: u32, resolution_minutes: u32, business_hours_only: bool) -> SlaPolicy {
    let targets = SlaTargets {
        first_response_seconds: Some(first_response_minutes * 60),
        resolution_seconds: Some(resolution_minutes * 60),
    };
    SlaPolicy::new(&[(Priority::Medium, targets)], business_hours_only).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn business_due_times_hold_exactly_the_target(
        hours in hours(),
        created_minute in 0i64..TWO_YEARS / 60,
        first_response_minutes in 1u32..(2 * 24 * 60),
        extra_minutes in 0u32..(2 * 24 * 60),
    ) {
        let created_at = START + created_minute * 60;
        let resolution_minutes = first_response_minutes + extra_minutes;
        let business = due_times(created_at, Priority::Medium, &policy(first_response_minutes, resolution_minutes, true), Some(&hours));
        let calendar = due_times(created_at, Priority::Medium, &policy(first_response_minutes, resolution_minutes, false), Some(&hours));
        prop_assert_eq!(calendar.first_response_due, Some(created_at + i64::from(first_response_minutes) * 60));
        let Some(first_response_due) = business.first_response_due else {
            // No due time means the hours hold too little open time within the search bound.
            prop_assert_eq!(business.resolution_due, None);
            return Ok(());
        };
        let resolution_due = business.resolution_due.unwrap();
        prop_assert!(first_response_due >= calendar.first_response_due.unwrap());
        prop_assert!(resolution_due >= first_response_due, "the due time grows with the target");
        prop_assert!(hours.is_open(first_response_due - 1), "the last counted second is open");
        prop_assert!(hours.is_open(resolution_due - 1));
        if (first_response_due - created_at) / 60 <= ORACLE_MINUTES_MAX {
            let open_minutes = (created_at / 60..first_response_due / 60).filter(|minute| hours.is_open(minute * 60)).count();
            prop_assert_eq!(open_minutes, first_response_minutes as usize);
        }
    }

    #[test]
    fn each_breach_is_reported_at_most_once_and_only_when_missed(
        due_first in 0i64..1_000,
        due_extra in 0i64..1_000,
        first_response_at in prop::option::of(0i64..3_000),
        resolved_after in prop::option::of(0i64..3_000),
        mut checks in prop::collection::vec(0i64..3_000, 1..20),
    ) {
        checks.sort_unstable();
        let due = SlaDue { first_response_due: Some(due_first), resolution_due: Some(due_first + due_extra) };
        let resolved_at = resolved_after.map(|after| first_response_at.unwrap_or(0) + after);
        let mut state = SlaState { first_response_at, resolved_at, ..SlaState::new(due) };
        let mut reported = Vec::new();
        for &now in &checks {
            let found = breaches(now, &state);
            state.record(&found);
            reported.extend(found);
        }
        let last = *checks.last().unwrap();
        let missed = |due: i64, met_at: Option<i64>| met_at.map_or(last > due, |met_at| met_at > due);
        let first_met_at = match (first_response_at, resolved_at) {
            (Some(responded), Some(resolved)) => Some(responded.min(resolved)),
            (responded, resolved) => responded.or(resolved),
        };
        let count = |kind| reported.iter().filter(|breach| breach.kind == kind).count();
        prop_assert_eq!(count(BreachKind::FirstResponse), usize::from(missed(due_first, first_met_at)));
        prop_assert_eq!(count(BreachKind::Resolution), usize::from(missed(due_first + due_extra, resolved_at)));
    }

    #[test]
    fn a_priority_change_equals_computing_from_creation(
        hours in hours(),
        created_minute in 0i64..TWO_YEARS / 60,
        business_hours_only in any::<bool>(),
    ) {
        let created_at = START + created_minute * 60;
        let policy = SlaPolicy::standard(business_hours_only);
        let mut state = SlaState::new(due_times(created_at, Priority::Low, &policy, Some(&hours)));
        state.reprioritize(created_at, Priority::Urgent, &policy, Some(&hours));
        prop_assert_eq!(state.due, due_times(created_at, Priority::Urgent, &policy, Some(&hours)));
        let low = due_times(created_at, Priority::Low, &policy, Some(&hours));
        if let (Some(urgent), Some(low)) = (state.due.first_response_due, low.first_response_due) {
            prop_assert!(urgent <= low, "a shorter target is due no later");
        }
    }
}
