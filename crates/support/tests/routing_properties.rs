//! Routing invariants over generated agents and requests: never above capacity, never
//! to an agent who is not online, never to a non-speaker when the language is required,
//! and round-robin fairness among equal agents.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;

use proptest::prelude::*;
use tradewind_language::Language;
use tradewind_payments::id::{AgentId, ConversationId, TeamId};
use tradewind_support::{
    AgentAvailability, Assignment, AssignmentReason, AssignmentRequest, LanguagePolicy, Presence, Priority, Queue,
    QueueEntry, RoutedConversation, choose_agent, drain_queue, reassign_on_offline,
};

fn agent_id(index: usize) -> AgentId {
    AgentId::parse(&format!("agt_{index:0>26}")).unwrap()
}

fn conversation_id(index: usize) -> ConversationId {
    ConversationId::parse(&format!("conv_{index:0>26}")).unwrap()
}

fn team_id(index: u8) -> TeamId {
    TeamId::parse(&format!("team_{index:0>26}")).unwrap()
}

fn language(index: usize) -> Language {
    Language::SPOKEN[index % Language::SPOKEN.len()]
}

fn presence() -> impl Strategy<Value = Presence> {
    prop_oneof![3 => Just(Presence::Online), 1 => Just(Presence::Away), 1 => Just(Presence::Offline)]
}

fn agents() -> impl Strategy<Value = Vec<AgentAvailability>> {
    prop::collection::vec(
        (presence(), 0u8..64, 0u32..5, 0u32..6, prop::option::of(0i64..100), prop::option::of(0u8..2)),
        0..12,
    )
    .prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(index, (presence, language_bits, capacity, open_conversations, last_assigned_at, team))| {
                AgentAvailability {
                    agent: agent_id(index),
                    presence,
                    languages: (0..6).filter(|bit| language_bits & (1 << bit) != 0).map(language).collect(),
                    capacity,
                    open_conversations,
                    last_assigned_at,
                    team: team.map(team_id),
                }
            })
            .collect()
    })
}

fn request() -> impl Strategy<Value = AssignmentRequest> {
    (prop::option::of(0usize..6), prop::option::of(0u8..2), prop::option::of(0usize..12)).prop_map(
        |(language_index, team, exclude)| AssignmentRequest {
            language: language_index.map(language),
            team: team.map(team_id),
            exclude: exclude.map(agent_id),
        },
    )
}

fn policy() -> impl Strategy<Value = LanguagePolicy> {
    prop_oneof![Just(LanguagePolicy::Required), Just(LanguagePolicy::Preferred)]
}

/// Whether `agent` may take a conversation for `request` at all (ignoring language).
fn eligible_with_room(agent: &AgentAvailability, request: &AssignmentRequest) -> bool {
    agent.can_take()
        && request.team.as_ref().is_none_or(|team| agent.team.as_ref() == Some(team))
        && request.exclude.as_ref() != Some(&agent.agent)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_choice_respects_presence_capacity_team_and_language(
        agents in agents(),
        request in request(),
        policy in policy(),
    ) {
        let assignment = choose_agent(&request, &agents, policy);
        let with_room: Vec<&AgentAvailability> = agents.iter().filter(|agent| eligible_with_room(agent, &request)).collect();
        match assignment {
            Assignment::Agent { agent, reason } => {
                let chosen = agents.iter().find(|candidate| candidate.agent == agent).unwrap();
                prop_assert!(eligible_with_room(chosen, &request));
                match (request.language, reason) {
                    (Some(language), AssignmentReason::LanguageMatch) => prop_assert!(chosen.speaks(language)),
                    (Some(language), AssignmentReason::LanguageFallback) => {
                        prop_assert_eq!(policy, LanguagePolicy::Preferred);
                        prop_assert!(with_room.iter().all(|agent| !agent.speaks(language)));
                    }
                    (None, AssignmentReason::AnyAgent) => {}
                    (language, reason) => prop_assert!(false, "reason {} for language {:?}", reason, language),
                }
            }
            Assignment::Queue { .. } => {
                let could_serve = match (request.language, policy) {
                    (Some(language), LanguagePolicy::Required) => with_room.iter().any(|agent| agent.speaks(language)),
                    _ => !with_room.is_empty(),
                };
                prop_assert!(!could_serve, "queued although an agent could take it");
            }
        }
    }

    #[test]
    fn draining_never_overfills_and_serves_each_entry_once(
        agents in agents(),
        entries in prop::collection::vec((prop::option::of(0usize..6), prop::option::of(0u8..2), 0u8..5, 0i64..1_000), 0..40),
        policy in policy(),
    ) {
        let priorities = [Priority::None, Priority::Low, Priority::Medium, Priority::High, Priority::Urgent];
        let queue = Queue::from_entries(
            entries
                .iter()
                .enumerate()
                .map(|(index, &(language_index, team, priority, enqueued_at))| QueueEntry {
                    conversation: conversation_id(index),
                    priority: priorities[usize::from(priority)],
                    language: language_index.map(language),
                    team: team.map(team_id),
                    enqueued_at,
                })
                .collect(),
        )
        .unwrap();
        let assignments = drain_queue(&queue, &agents, policy);
        let mut given: HashMap<AgentId, u32> = HashMap::new();
        let mut served = std::collections::HashSet::new();
        for (conversation, agent_id) in &assignments {
            prop_assert!(served.insert(conversation.clone()), "served twice");
            let entry = queue.entries().iter().find(|entry| &entry.conversation == conversation).unwrap();
            let agent = agents.iter().find(|agent| &agent.agent == agent_id).unwrap();
            prop_assert_eq!(agent.presence, Presence::Online);
            prop_assert!(entry.team.as_ref().is_none_or(|team| agent.team.as_ref() == Some(team)));
            if let (Some(language), LanguagePolicy::Required) = (entry.language, policy) {
                prop_assert!(agent.speaks(language));
            }
            *given.entry(agent_id.clone()).or_default() += 1;
        }
        for agent in &agents {
            let added = given.get(&agent.agent).copied().unwrap_or(0);
            prop_assert!(added == 0 || agent.open_conversations + added <= agent.capacity, "over capacity");
        }
    }

    #[test]
    fn reassignment_never_returns_to_the_offline_agent_or_overfills(
        mut agents in agents(),
        conversations in prop::collection::vec((prop::option::of(0usize..6), 0u8..5, 0i64..1_000, any::<bool>()), 0..30),
        policy in policy(),
    ) {
        let offline = agent_id(0);
        if let Some(first) = agents.first_mut() {
            first.presence = Presence::Offline;
        }
        let priorities = [Priority::None, Priority::Low, Priority::Medium, Priority::High, Priority::Urgent];
        let conversations: Vec<RoutedConversation> = conversations
            .iter()
            .enumerate()
            .map(|(index, &(language_index, priority, created_at, theirs))| RoutedConversation {
                conversation: conversation_id(index),
                assignee: Some(if theirs { offline.clone() } else { agent_id(1) }),
                priority: priorities[usize::from(priority)],
                language: language_index.map(language),
                team: None,
                created_at,
            })
            .collect();
        let placements = reassign_on_offline(&offline, &conversations, &agents, policy);
        prop_assert_eq!(placements.len(), conversations.iter().filter(|conversation| conversation.assignee.as_ref() == Some(&offline)).count());
        // Served in priority order, then oldest first.
        let order: Vec<(std::cmp::Reverse<Priority>, i64)> = placements
            .iter()
            .map(|(id, _)| conversations.iter().find(|conversation| &conversation.conversation == id).unwrap())
            .map(|conversation| (std::cmp::Reverse(conversation.priority), conversation.created_at))
            .collect();
        prop_assert!(order.windows(2).all(|pair| pair[0] <= pair[1]));
        let mut given: HashMap<AgentId, u32> = HashMap::new();
        for (_, assignment) in &placements {
            if let Assignment::Agent { agent, .. } = assignment {
                prop_assert_ne!(agent, &offline);
                *given.entry(agent.clone()).or_default() += 1;
            }
        }
        for agent in &agents {
            let added = given.get(&agent.agent).copied().unwrap_or(0);
            prop_assert!(added == 0 || (agent.presence == Presence::Online && agent.open_conversations + added <= agent.capacity));
        }
    }

    #[test]
    fn equal_agents_share_assignments_evenly(
        agent_count in 2usize..8,
        assignments in 0usize..60,
        last_assigned in prop::collection::vec(prop::option::of(0i64..1_000), 8),
        speaks_spanish in any::<bool>(),
    ) {
        let languages = if speaks_spanish { vec![Language::Spanish] } else { vec![Language::English] };
        let mut agents: Vec<AgentAvailability> = (0..agent_count)
            .map(|index| AgentAvailability {
                agent: agent_id(index),
                presence: Presence::Online,
                languages: languages.clone(),
                capacity: 1_000,
                open_conversations: 0,
                last_assigned_at: last_assigned[index],
                team: None,
            })
            .collect();
        let request = AssignmentRequest { language: Some(Language::Spanish), ..AssignmentRequest::default() };
        let mut counts = vec![0u32; agent_count];
        for step in 0..assignments {
            let Assignment::Agent { agent, .. } = choose_agent(&request, &agents, LanguagePolicy::Preferred) else {
                panic!("queued with room");
            };
            let index = agents.iter().position(|candidate| candidate.agent == agent).unwrap();
            counts[index] += 1;
            agents[index].open_conversations += 1;
            // Later than any initial time, as a real clock would be.
            agents[index].last_assigned_at = Some(10_000 + step as i64);
        }
        let (least, most) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
        prop_assert!(most - least <= 1, "counts {:?}", counts);

        // The same holds inside one batch.
        let batch_agents: Vec<AgentAvailability> =
            agents.iter().map(|agent| AgentAvailability { open_conversations: 0, ..agent.clone() }).collect();
        let queue = Queue::from_entries(
            (0..assignments)
                .map(|index| QueueEntry {
                    conversation: conversation_id(index),
                    priority: Priority::None,
                    language: Some(Language::Spanish),
                    team: None,
                    enqueued_at: index as i64,
                })
                .collect(),
        )
        .unwrap();
        let mut batch_counts: HashMap<AgentId, u32> = HashMap::new();
        for (_, agent) in drain_queue(&queue, &batch_agents, LanguagePolicy::Preferred) {
            *batch_counts.entry(agent).or_default() += 1;
        }
        let per_agent: Vec<u32> = batch_agents.iter().map(|agent| batch_counts.get(&agent.agent).copied().unwrap_or(0)).collect();
        let (least, most) = (per_agent.iter().min().unwrap(), per_agent.iter().max().unwrap());
        prop_assert!(most - least <= 1, "batch counts {:?}", per_agent);
    }
}
