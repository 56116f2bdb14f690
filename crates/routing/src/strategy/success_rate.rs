//! Success rate: send payments where they have recently succeeded most, keep trying
//! the others a little, and stop relying on a connector that fails.
//!
//! For each eligible connector the rate comes from its window for this method and the
//! payment's country; while that window has fewer than `min_samples` outcomes, from its
//! window for the method in all countries. Then each connector is
//!
//! - **new** with fewer than `min_samples` outcomes even there: counted optimistically
//!   as 100 %, so a new connector gets payments until its rate is known;
//! - **eliminated** with enough outcomes and a rate below `min_success_rate_percent`;
//! - **qualified** otherwise.
//!
//! The ranking is qualified and new by rate (new as 100 %), then eliminated by rate;
//! ties keep the rule's order. With probability `exploration_percent` the pick is one
//! of the connectors after the best, uniformly ("exploring"), so their rates keep being
//! measured and an eliminated connector can earn its way back; otherwise it is the
//! best. If every connector is eliminated the best of them is used anyway, and the
//! explanation says so. Connectors whose breaker is open never get here (the screen
//! skipped them). The rest of the ranking is the failover order.

use super::{Choice, Inputs, percent_text};
use crate::candidate::Candidate;
use crate::decision::StrategyKind;
use crate::dice::{Dice, chance_percent};
use crate::success_window::WindowStats;

/// A rule's success-rate settings, validated by the rule set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub exploration_percent: u32,
    pub min_success_rate_basis_points: u32,
    pub min_samples: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    New,
    Qualified(u32),
    Eliminated(u32),
}

/// One connector's standing and the window it came from.
struct Assessment<'a> {
    candidate: &'a Candidate,
    stats: WindowStats,
    /// The payment has a country but its window was too thin: all countries were used.
    all_countries: bool,
    standing: Standing,
}

impl Assessment<'_> {
    /// Sort key: not eliminated first, then the higher (optimistic) rate.
    fn rank(&self) -> (bool, std::cmp::Reverse<u32>) {
        match self.standing {
            Standing::New => (false, std::cmp::Reverse(10_000)),
            Standing::Qualified(rate) => (false, std::cmp::Reverse(rate)),
            Standing::Eliminated(rate) => (true, std::cmp::Reverse(rate)),
        }
    }
}

pub(crate) fn choose<'a>(
    settings: &Settings,
    eligible: Vec<&'a Candidate>,
    inputs: &Inputs<'_>,
    dice: &mut (impl Dice + ?Sized),
) -> Choice<'a> {
    let mut ranked: Vec<Assessment<'a>> =
        eligible.into_iter().map(|candidate| assess(settings, candidate, inputs)).collect();
    ranked.sort_by_key(Assessment::rank);
    let title = StrategyKind::SuccessRate.title();
    let all_eliminated = ranked.iter().all(|assessment| matches!(assessment.standing, Standing::Eliminated(_)));
    let others = u32::try_from(ranked.len().saturating_sub(1)).unwrap_or(0);
    let explored = others > 0 && chance_percent(dice, settings.exploration_percent);
    let lead = if explored {
        let index = 1 + dice.below(others) as usize;
        let explored = ranked.remove(index);
        let sentence = format!(
            "{title} explored {} ({}% of payments go to a connector other than the best)",
            explored.candidate.id, settings.exploration_percent
        );
        ranked.insert(0, explored);
        sentence
    } else if all_eliminated {
        let best = ranked.first().map_or("", |assessment| assessment.candidate.id.as_str());
        let floor = percent_text(settings.min_success_rate_basis_points);
        format!("{title}: every connector is below {floor}; chose the best of them, {best}")
    } else {
        let best = ranked.first().map_or("", |assessment| assessment.candidate.id.as_str());
        format!("{title} chose {best}")
    };
    let rates: Vec<String> = ranked.iter().map(|assessment| describe(settings, assessment, inputs)).collect();
    Choice {
        order: ranked.into_iter().map(|assessment| assessment.candidate).collect(),
        sentence: format!("{lead}: {}.", rates.join(", ")),
        explored,
    }
}

fn assess<'a>(settings: &Settings, candidate: &'a Candidate, inputs: &Inputs<'_>) -> Assessment<'a> {
    let facts = inputs.facts;
    let stats_for = |country| inputs.health.success_stats(&candidate.id, facts.method, country, inputs.now);
    let country = facts.country();
    let local = country.map(|code| stats_for(Some(code)));
    let (stats, all_countries) = match local {
        Some(stats) if stats.total >= settings.min_samples => (stats, false),
        _ => (stats_for(None), country.is_some()),
    };
    let standing = match stats.rate_basis_points() {
        Some(rate) if stats.total >= settings.min_samples => {
            if rate < settings.min_success_rate_basis_points {
                Standing::Eliminated(rate)
            } else {
                Standing::Qualified(rate)
            }
        }
        _ => Standing::New,
    };
    Assessment { candidate, stats, all_countries, standing }
}

/// `mca_A 94% (50 payments in DE)`, `mca_B eliminated at 20% < 50% (40 payments)`,
/// `mca_C new (3 of 20 payments)`.
fn describe(settings: &Settings, assessment: &Assessment<'_>, inputs: &Inputs<'_>) -> String {
    let id = &assessment.candidate.id;
    let total = assessment.stats.total;
    let scope = match inputs.facts.country() {
        Some(_) if assessment.all_countries => " in all countries".to_owned(),
        Some(country) => format!(" in {}", country.to_ascii_uppercase()),
        None => String::new(),
    };
    match assessment.standing {
        Standing::New => format!("{id} new ({total} of {} payments{scope})", settings.min_samples),
        Standing::Qualified(rate) => format!("{id} {} ({total} payments{scope})", percent_text(rate)),
        Standing::Eliminated(rate) => format!(
            "{id} eliminated at {} < {} ({total} payments{scope})",
            percent_text(rate),
            percent_text(settings.min_success_rate_basis_points)
        ),
    }
}
