//! The support desk's tables: settings per merchant, teams and agents (with console
//! sessions), buyers as contacts, conversations with their tags, messages and timeline,
//! canned responses and knowledge-base articles.
//!
//! A conversation changes only by a conditional update on its `version`, in the same
//! transaction as its timeline entries and its events, so two agents (or an agent and the
//! sweep) cannot both win.

pub mod agents;
pub mod articles;
pub mod canned;
pub mod contacts;
pub mod conversations;
pub mod messages;
pub mod settings;
pub mod teams;
pub mod timeline;
