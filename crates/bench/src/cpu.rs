//! CPU time from `/proc`, for figures steadier than throughput on a shared machine:
//! the payments benchmark divides the CPU a run used by its payments, the realtime
//! benchmark the server process's by its deliveries.
//!
//! What is counted: this process (client and in-process server, every thread), plus,
//! for PostgreSQL, every process named `postgres` on the machine (the server's
//! backends, its background workers, and the children the postmaster has reaped).
//! A run takes the difference of two readings, so only the CPU spent during it counts.

use crate::server::Backend;

/// Clock ticks per second of `/proc/*/stat` (`USER_HZ`, 100 on every Linux ABI).
const TICKS_PER_SECOND: f64 = 100.0;

/// CPU seconds used so far by what a run of `backend` is charged for.
pub fn seconds(backend: Backend) -> f64 {
    let mut ticks = own_ticks("/proc/self/stat").unwrap_or(0);
    if backend == Backend::Postgres {
        ticks += postgres_ticks();
    }
    ticks as f64 / TICKS_PER_SECOND
}

/// utime + stime of one `/proc/PID/stat`, when its command is `comm` (any, if `None`),
/// with the reaped children's cutime + cstime.
fn stat_ticks(text: &str, comm: Option<&str>) -> Option<u64> {
    // The command is in parentheses and may hold spaces; the fields follow the last ')'.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    if let Some(wanted) = comm
        && text.get(open + 1..close)? != wanted
    {
        return None;
    }
    let fields: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    // After the command: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    let field = |number: usize| fields.get(number - 3).and_then(|value| value.parse::<u64>().ok());
    Some(field(14)? + field(15)? + field(16)? + field(17)?)
}

/// CPU seconds process `pid` has used so far (its threads and reaped children), if it
/// runs.
pub fn process_seconds(pid: u32) -> Option<f64> {
    own_ticks(&format!("/proc/{pid}/stat")).map(|ticks| ticks as f64 / TICKS_PER_SECOND)
}

fn own_ticks(path: &str) -> Option<u64> {
    stat_ticks(&std::fs::read_to_string(path).ok()?, None)
}

fn postgres_ticks() -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_str().is_some_and(|name| name.bytes().all(|byte| byte.is_ascii_digit())))
        .filter_map(|entry| std::fs::read_to_string(entry.path().join("stat")).ok())
        .filter_map(|text| stat_ticks(&text, Some("postgres")))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_four_times_after_a_command_with_spaces_and_parentheses() {
        let line = "4242 (postgres: a (b)) S 1 4242 4242 0 -1 4194560 100 0 0 0 17 5 3 2 20 0 1 0 100 1000 10";
        assert_eq!(stat_ticks(line, None), Some(17 + 5 + 3 + 2));
        assert_eq!(stat_ticks(line, Some("postgres")), None, "the command is `postgres: a (b)`");
        let backend = "77 (postgres) S 1 77 77 0 -1 4194560 100 0 0 0 40 10 1 1 20 0 1 0 100 1000 10";
        assert_eq!(stat_ticks(backend, Some("postgres")), Some(52));
        assert_eq!(stat_ticks("77 (postgres) S 1", Some("postgres")), None, "too few fields");
    }
}
