//! Facts about the machine the runner runs on, recorded in every report.

use perfproof_shared::report::Host;

/// Describes this machine.
pub fn current() -> Host {
    let mut system = sysinfo::System::new();
    system.refresh_memory();
    Host {
        os: std::env::consts::OS.to_string(),
        arch: std::env::consts::ARCH.to_string(),
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
        memory_bytes: system.total_memory(),
    }
}
