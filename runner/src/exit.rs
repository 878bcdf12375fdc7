//! Exit codes: one enum, one place. `perfproof --help` lists them for users.

use std::process::ExitCode;

/// How a `perfproof` command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done; for `compare`, targets hold and nothing regressed.
    Success = 0,
    /// An error: the message says what and where. For `run`, also a workload that
    /// could not start (the report of the others is still written).
    Error = 1,
    /// Invalid arguments (clap's own code).
    Usage = 2,
    /// `compare`: targets missed.
    TargetsMissed = 3,
    /// `compare`: a metric regressed.
    Regressed = 4,
    /// `compare`: targets missed and a metric regressed.
    MissedAndRegressed = 5,
    /// `history`: alerts were raised.
    Alerts = 6,
    /// Stopped by Ctrl-C or SIGTERM; the report of what was measured is still written.
    Interrupted = 130,
}

impl Exit {
    /// The exit of a verdict: targets missed and/or regressions.
    pub fn of_verdict(missed: bool, regressed: bool) -> Exit {
        match (missed, regressed) {
            (false, false) => Exit::Success,
            (true, false) => Exit::TargetsMissed,
            (false, true) => Exit::Regressed,
            (true, true) => Exit::MissedAndRegressed,
        }
    }

    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}
