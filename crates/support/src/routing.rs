//! Automatic assignment of conversations to agents.
//!
//! Only an *online* agent with room (`open_conversations < capacity`) takes a
//! conversation. Among those, agents who speak the buyer's language come first; among
//! equals the least recently assigned goes next (never-assigned first, then the oldest
//! `last_assigned_at`, ties by agent id), which is round-robin that survives restarts,
//! since it reads only stored times. When nobody with room speaks the language,
//! [`LanguagePolicy::Preferred`] gives the conversation to any agent with room
//! (translation bridges the gap) and [`LanguagePolicy::Required`] queues it.
//!
//! [`reassign_on_offline`] and [`drain_queue`] assign many conversations at once; they
//! count each new assignment against the agent's capacity and recency as they go, so a
//! batch never overfills one agent or hands everything to the same person.

use tradewind_language::Language;
use tradewind_payments::id::{AgentId, ConversationId, TeamId};

use crate::conversation::Priority;
use crate::name::named_enum;
use crate::queue::Queue;

/// The most agents one decision looks at; a merchant's agents beyond this (in the order
/// given) are not considered. Storage loads a team's agents with this as its limit.
pub const ROUTING_AGENTS_MAX: usize = 1_000;
/// The most conversations [`reassign_on_offline`] handles in one call; the rest stay
/// with the offline agent until the next call.
pub const REASSIGN_CONVERSATIONS_MAX: usize = 1_000;

named_enum! {
    /// Whether an agent takes new conversations.
    pub enum Presence("agent presence") {
        /// Connected and taking conversations.
        Online => "online",
        /// Connected but not taking new conversations (break, meeting).
        Away => "away",
        Offline => "offline",
    }
}

named_enum! {
    /// What to do when nobody with room speaks the buyer's language.
    pub enum LanguagePolicy("language policy") {
        /// Queue the conversation until a speaker has room.
        Required => "required",
        /// Give it to any agent with room; machine translation covers the gap.
        Preferred => "preferred",
    }
}

named_enum! {
    /// Why routing chose an agent.
    pub enum AssignmentReason("assignment reason") {
        /// The agent speaks the buyer's language.
        LanguageMatch => "language_match",
        /// Nobody with room speaks the buyer's language; this agent reads translations.
        LanguageFallback => "language_fallback",
        /// The buyer's language is not known yet; any agent with room.
        AnyAgent => "any_agent",
    }
}

named_enum! {
    /// Why routing queued a conversation instead.
    pub enum QueueReason("queue reason") {
        /// No agent (of the team) is online.
        NoAgentOnline => "no_agent_online",
        /// Agents are online but all are at capacity.
        AllAgentsAtCapacity => "all_agents_at_capacity",
        /// The language is required and no online agent speaks it.
        NoSpeakerOnline => "no_speaker_online",
        /// The language is required and every online speaker is at capacity.
        SpeakersAtCapacity => "speakers_at_capacity",
    }
}

/// An agent as routing sees them at the moment of a decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentAvailability {
    pub agent: AgentId,
    pub presence: Presence,
    pub languages: Vec<Language>,
    /// How many active conversations the agent handles at once.
    pub capacity: u32,
    /// Active (not resolved) conversations assigned to the agent now.
    pub open_conversations: u32,
    /// When the agent was last given a conversation, Unix milliseconds.
    pub last_assigned_at: Option<i64>,
    pub team: Option<TeamId>,
}

impl AgentAvailability {
    /// Online with room for one more.
    pub fn can_take(&self) -> bool {
        self.presence == Presence::Online && self.open_conversations < self.capacity
    }

    pub fn speaks(&self, language: Language) -> bool {
        self.languages.contains(&language)
    }
}

/// What routing is asked to place.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AssignmentRequest {
    /// The buyer's language, if known.
    pub language: Option<Language>,
    /// Only agents of this team; `None` means any of the merchant's agents.
    pub team: Option<TeamId>,
    /// An agent who must not get it (the one going offline, or who handed it back).
    pub exclude: Option<AgentId>,
}

/// Routing's decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Assignment {
    Agent { agent: AgentId, reason: AssignmentReason },
    Queue { reason: QueueReason },
}

/// A conversation as reassignment sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutedConversation {
    pub conversation: ConversationId,
    pub assignee: Option<AgentId>,
    pub priority: Priority,
    pub language: Option<Language>,
    pub team: Option<TeamId>,
    /// When the conversation was created, Unix seconds: older ones are placed first.
    pub created_at: i64,
}

/// Chooses an agent for one conversation, or says why it must wait.
pub fn choose_agent(request: &AssignmentRequest, agents: &[AgentAvailability], policy: LanguagePolicy) -> Assignment {
    Pool::new(agents).choose(request, policy).1
}

/// Places the active conversations of an agent who went offline, highest priority
/// first and oldest first within a priority, never back to that agent. Each new
/// assignment counts against its agent's capacity for the conversations after it. A
/// conversation nobody can take comes back as [`Assignment::Queue`].
pub fn reassign_on_offline(
    offline: &AgentId,
    conversations: &[RoutedConversation],
    agents: &[AgentAvailability],
    policy: LanguagePolicy,
) -> Vec<(ConversationId, Assignment)> {
    let mut orphans: Vec<&RoutedConversation> =
        conversations.iter().filter(|conversation| conversation.assignee.as_ref() == Some(offline)).collect();
    orphans.sort_by(|left, right| {
        right
            .priority
            .cmp(&left.priority)
            .then(left.created_at.cmp(&right.created_at))
            .then(left.conversation.cmp(&right.conversation))
    });
    let mut pool = Pool::new(agents);
    let mut placements = Vec::with_capacity(orphans.len().min(REASSIGN_CONVERSATIONS_MAX));
    for conversation in orphans.into_iter().take(REASSIGN_CONVERSATIONS_MAX) {
        let request = AssignmentRequest {
            language: conversation.language,
            team: conversation.team.clone(),
            exclude: Some(offline.clone()),
        };
        let (chosen, assignment) = pool.choose(&request, policy);
        if let Some(index) = chosen {
            pool.record(index);
        }
        placements.push((conversation.conversation.clone(), assignment));
    }
    placements
}

/// Assigns waiting conversations in queue order to agents with room. An entry nobody
/// can take now (its language is required and its speakers are busy, or its team is
/// full) is skipped and stays queued; entries behind it may still be served. Returns the
/// assignments to make; the caller removes those entries from the queue.
pub fn drain_queue(
    queue: &Queue,
    agents: &[AgentAvailability],
    policy: LanguagePolicy,
) -> Vec<(ConversationId, AgentId)> {
    let mut pool = Pool::new(agents);
    let mut assignments = Vec::new();
    for entry in queue.entries() {
        if !pool.anyone_can_take() {
            break;
        }
        let request = AssignmentRequest { language: entry.language, team: entry.team.clone(), exclude: None };
        if let (Some(index), Assignment::Agent { agent, .. }) = pool.choose(&request, policy) {
            pool.record(index);
            assignments.push((entry.conversation.clone(), agent));
        }
    }
    assignments
}

/// The agents of one decision or batch, with what the batch has given each so far.
struct Pool<'a> {
    agents: &'a [AgentAvailability],
    /// Conversations given to each agent in this batch.
    added: Vec<u32>,
    /// For agents given a conversation in this batch, the order they got their last one:
    /// they are now the most recently assigned, after everyone not yet given one.
    batch_order: Vec<Option<u32>>,
    next_order: u32,
}

impl<'a> Pool<'a> {
    fn new(agents: &'a [AgentAvailability]) -> Pool<'a> {
        let agents = &agents[..agents.len().min(ROUTING_AGENTS_MAX)];
        Pool { agents, added: vec![0; agents.len()], batch_order: vec![None; agents.len()], next_order: 0 }
    }

    fn has_room(&self, index: usize) -> bool {
        let agent = &self.agents[index];
        agent.presence == Presence::Online
            && agent.open_conversations.saturating_add(self.added[index]) < agent.capacity
    }

    fn anyone_can_take(&self) -> bool {
        (0..self.agents.len()).any(|index| self.has_room(index))
    }

    /// Least recently assigned first: batch assignments are the most recent of all,
    /// `None` sorts before `Some`, and the id breaks ties.
    fn recency(&self, index: usize) -> (Option<u32>, Option<i64>, &AgentId) {
        let agent = &self.agents[index];
        (self.batch_order[index], agent.last_assigned_at, &agent.agent)
    }

    fn least_recent(&self, indexes: impl Iterator<Item = usize>) -> Option<usize> {
        indexes.min_by(|left, right| self.recency(*left).cmp(&self.recency(*right)))
    }

    fn choose(&self, request: &AssignmentRequest, policy: LanguagePolicy) -> (Option<usize>, Assignment) {
        let eligible: Vec<usize> = (0..self.agents.len())
            .filter(|&index| {
                let agent = &self.agents[index];
                request.team.as_ref().is_none_or(|team| agent.team.as_ref() == Some(team))
                    && request.exclude.as_ref() != Some(&agent.agent)
                    && agent.presence == Presence::Online
            })
            .collect();
        if eligible.is_empty() {
            return (None, Assignment::Queue { reason: QueueReason::NoAgentOnline });
        }
        let with_room = || eligible.iter().copied().filter(|&index| self.has_room(index));
        let agent =
            |index: usize, reason| (Some(index), Assignment::Agent { agent: self.agents[index].agent.clone(), reason });
        let Some(language) = request.language else {
            return match self.least_recent(with_room()) {
                Some(index) => agent(index, AssignmentReason::AnyAgent),
                None => (None, Assignment::Queue { reason: QueueReason::AllAgentsAtCapacity }),
            };
        };
        if let Some(index) = self.least_recent(with_room().filter(|&index| self.agents[index].speaks(language))) {
            return agent(index, AssignmentReason::LanguageMatch);
        }
        match policy {
            LanguagePolicy::Preferred => match self.least_recent(with_room()) {
                Some(index) => agent(index, AssignmentReason::LanguageFallback),
                None => (None, Assignment::Queue { reason: QueueReason::AllAgentsAtCapacity }),
            },
            LanguagePolicy::Required => {
                let reason = if eligible.iter().any(|&index| self.agents[index].speaks(language)) {
                    QueueReason::SpeakersAtCapacity
                } else {
                    QueueReason::NoSpeakerOnline
                };
                (None, Assignment::Queue { reason })
            }
        }
    }

    fn record(&mut self, index: usize) {
        self.added[index] = self.added[index].saturating_add(1);
        self.batch_order[index] = Some(self.next_order);
        self.next_order = self.next_order.saturating_add(1);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::queue::QueueEntry;

    fn agent_id(index: u8) -> AgentId {
        AgentId::parse(&format!("agt_{index:0>26}")).unwrap()
    }

    fn conversation_id(index: u8) -> ConversationId {
        ConversationId::parse(&format!("conv_{index:0>26}")).unwrap()
    }

    fn agent(index: u8, languages: &[Language]) -> AgentAvailability {
        AgentAvailability {
            agent: agent_id(index),
            presence: Presence::Online,
            languages: languages.to_vec(),
            capacity: 3,
            open_conversations: 0,
            last_assigned_at: Some(1_000),
            team: None,
        }
    }

    fn request(language: Option<Language>) -> AssignmentRequest {
        AssignmentRequest { language, ..AssignmentRequest::default() }
    }

    #[test]
    fn a_speaker_with_room_comes_first() {
        let agents = [agent(1, &[Language::English]), agent(2, &[Language::Spanish, Language::English])];
        assert_eq!(
            choose_agent(&request(Some(Language::Spanish)), &agents, LanguagePolicy::Required),
            Assignment::Agent { agent: agent_id(2), reason: AssignmentReason::LanguageMatch }
        );
    }

    #[test]
    fn preferred_falls_back_and_required_queues() {
        let agents = [agent(1, &[Language::English])];
        let arabic = request(Some(Language::Arabic));
        assert_eq!(
            choose_agent(&arabic, &agents, LanguagePolicy::Preferred),
            Assignment::Agent { agent: agent_id(1), reason: AssignmentReason::LanguageFallback }
        );
        assert_eq!(
            choose_agent(&arabic, &agents, LanguagePolicy::Required),
            Assignment::Queue { reason: QueueReason::NoSpeakerOnline }
        );
        let busy_speaker = AgentAvailability { open_conversations: 3, ..agent(2, &[Language::Arabic]) };
        assert_eq!(
            choose_agent(&arabic, &[agents[0].clone(), busy_speaker], LanguagePolicy::Required),
            Assignment::Queue { reason: QueueReason::SpeakersAtCapacity }
        );
    }

    #[test]
    fn only_online_agents_with_room() {
        let away = AgentAvailability { presence: Presence::Away, last_assigned_at: None, ..agent(1, &[]) };
        let full = AgentAvailability { open_conversations: 3, last_assigned_at: None, ..agent(2, &[]) };
        let zero_capacity = AgentAvailability { capacity: 0, last_assigned_at: None, ..agent(4, &[]) };
        let free = agent(3, &[]);
        assert_eq!(
            choose_agent(&request(None), &[away.clone(), full.clone(), zero_capacity, free], LanguagePolicy::Required),
            Assignment::Agent { agent: agent_id(3), reason: AssignmentReason::AnyAgent }
        );
        assert_eq!(
            choose_agent(&request(None), &[away.clone(), full.clone()], LanguagePolicy::Preferred),
            Assignment::Queue { reason: QueueReason::AllAgentsAtCapacity }
        );
        assert_eq!(
            choose_agent(&request(None), &[away], LanguagePolicy::Preferred),
            Assignment::Queue { reason: QueueReason::NoAgentOnline }
        );
        assert_eq!(
            choose_agent(&request(None), &[], LanguagePolicy::Preferred),
            Assignment::Queue { reason: QueueReason::NoAgentOnline }
        );
    }

    #[test]
    fn round_robin_is_least_recently_assigned_then_id() {
        let never = AgentAvailability { last_assigned_at: None, ..agent(9, &[]) };
        let older = AgentAvailability { last_assigned_at: Some(10), ..agent(5, &[]) };
        let newer = AgentAvailability { last_assigned_at: Some(20), ..agent(1, &[]) };
        let chosen =
            |agents: &[AgentAvailability]| match choose_agent(&request(None), agents, LanguagePolicy::Preferred) {
                Assignment::Agent { agent, .. } => agent,
                Assignment::Queue { reason } => panic!("queued: {reason}"),
            };
        assert_eq!(chosen(&[newer.clone(), older.clone(), never]), agent_id(9));
        assert_eq!(chosen(&[newer.clone(), older]), agent_id(5));
        let tied = AgentAvailability { last_assigned_at: Some(20), ..agent(7, &[]) };
        assert_eq!(chosen(&[tied, newer]), agent_id(1));
    }

    #[test]
    fn team_and_exclusion_are_respected() {
        let team = TeamId::parse(&format!("team_{:0>26}", 1)).unwrap();
        let in_team = AgentAvailability { team: Some(team.clone()), ..agent(1, &[]) };
        let other = AgentAvailability { last_assigned_at: None, ..agent(2, &[]) };
        let team_request = AssignmentRequest { team: Some(team), ..AssignmentRequest::default() };
        assert_eq!(
            choose_agent(&team_request, &[other.clone(), in_team.clone()], LanguagePolicy::Preferred),
            Assignment::Agent { agent: agent_id(1), reason: AssignmentReason::AnyAgent }
        );
        let excluding = AssignmentRequest { exclude: Some(agent_id(1)), ..team_request };
        assert_eq!(
            choose_agent(&excluding, &[other, in_team], LanguagePolicy::Preferred),
            Assignment::Queue { reason: QueueReason::NoAgentOnline }
        );
    }

    #[test]
    fn reassignment_serves_priority_then_age_and_counts_capacity() {
        let offline = agent_id(9);
        let conversation = |index: u8, priority, created_at| RoutedConversation {
            conversation: conversation_id(index),
            assignee: Some(offline.clone()),
            priority,
            language: None,
            team: None,
            created_at,
        };
        let mut someone_elses = conversation(5, Priority::Urgent, 0);
        someone_elses.assignee = Some(agent_id(1));
        let conversations = [
            conversation(1, Priority::Low, 100),
            conversation(2, Priority::Urgent, 300),
            conversation(3, Priority::Low, 50),
            someone_elses,
        ];
        let still_listed = AgentAvailability { last_assigned_at: None, ..agent(9, &[]) };
        let only = AgentAvailability { capacity: 2, ..agent(1, &[]) };
        let placements =
            reassign_on_offline(&offline, &conversations, &[still_listed, only], LanguagePolicy::Preferred);
        assert_eq!(
            placements,
            vec![
                (conversation_id(2), Assignment::Agent { agent: agent_id(1), reason: AssignmentReason::AnyAgent }),
                (conversation_id(3), Assignment::Agent { agent: agent_id(1), reason: AssignmentReason::AnyAgent }),
                (conversation_id(1), Assignment::Queue { reason: QueueReason::AllAgentsAtCapacity }),
            ]
        );
    }

    #[test]
    fn a_batch_alternates_between_equal_agents() {
        let offline = agent_id(9);
        let conversations: Vec<RoutedConversation> = (0..4)
            .map(|index| RoutedConversation {
                conversation: conversation_id(index),
                assignee: Some(offline.clone()),
                priority: Priority::None,
                language: None,
                team: None,
                created_at: i64::from(index),
            })
            .collect();
        let placements =
            reassign_on_offline(&offline, &conversations, &[agent(1, &[]), agent(2, &[])], LanguagePolicy::Preferred);
        let agents: Vec<AgentId> = placements
            .into_iter()
            .filter_map(|(_, assignment)| match assignment {
                Assignment::Agent { agent, .. } => Some(agent),
                Assignment::Queue { .. } => None,
            })
            .collect();
        assert_eq!(agents, vec![agent_id(1), agent_id(2), agent_id(1), agent_id(2)]);
    }

    #[test]
    fn draining_skips_entries_nobody_can_take_yet() {
        let entry = |index: u8, language| QueueEntry {
            conversation: conversation_id(index),
            priority: Priority::None,
            language,
            team: None,
            enqueued_at: i64::from(index),
        };
        let queue = Queue::from_entries(vec![
            entry(1, Some(Language::Arabic)),
            entry(2, Some(Language::Spanish)),
            entry(3, Some(Language::Spanish)),
        ])
        .unwrap();
        let spanish = AgentAvailability { capacity: 1, ..agent(1, &[Language::Spanish]) };
        assert_eq!(
            drain_queue(&queue, std::slice::from_ref(&spanish), LanguagePolicy::Required),
            vec![(conversation_id(2), agent_id(1))]
        );
        assert_eq!(drain_queue(&queue, &[spanish], LanguagePolicy::Preferred), vec![(conversation_id(1), agent_id(1))]);
        assert!(drain_queue(&queue, &[], LanguagePolicy::Preferred).is_empty());
    }

    #[test]
    fn names_round_trip() {
        for presence in Presence::ALL {
            assert_eq!(Presence::parse(presence.as_str()).unwrap(), *presence);
        }
        for reason in QueueReason::ALL {
            assert_eq!(QueueReason::parse(reason.as_str()).unwrap(), *reason);
        }
        for reason in AssignmentReason::ALL {
            assert_eq!(AssignmentReason::parse(reason.as_str()).unwrap(), *reason);
        }
        assert_eq!(LanguagePolicy::parse("required").unwrap(), LanguagePolicy::Required);
    }
}
