//! The facts of the machine a run measured on (Linux `/proc`; "unknown" elsewhere).

use serde::{Deserialize, Serialize};

/// The machine a run measured on.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// CPU model.
    pub cpu: String,
    /// Cores this process may use.
    pub cores: usize,
    /// Physical memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bytes: Option<u64>,
    /// Kernel name and release.
    pub os: String,
    /// The compiler that built the benchmark (`rustc -V`).
    pub rustc: String,
    /// Load average (1, 5, 15 minutes) when the run started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_start: Option<[f64; 3]>,
    /// Load average when it finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_end: Option<[f64; 3]>,
}

impl Machine {
    /// This machine, now (`load_end` is filled in when the run finishes).
    pub fn current() -> Machine {
        Machine {
            cpu: first_value("/proc/cpuinfo", "model name").unwrap_or_else(unknown),
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            memory_bytes: first_value("/proc/meminfo", "MemTotal")
                .and_then(|kb| kb.trim_end_matches("kB").trim().parse::<u64>().ok())
                .map(|kb| kb * 1024),
            os: os(),
            rustc: env!("WAGATHER_FIGURES_RUSTC").to_owned(),
            load_start: load_average(),
            load_end: None,
        }
    }
}

fn unknown() -> String {
    "unknown".to_owned()
}

fn first_value(path: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find(|line| line.starts_with(key))
        .and_then(|line| line.split_once(':'))
        .map(|(_, value)| value.trim().to_owned())
}

fn os() -> String {
    let read = |path| std::fs::read_to_string(path).map(|s| s.trim().to_owned());
    match (
        read("/proc/sys/kernel/ostype"),
        read("/proc/sys/kernel/osrelease"),
    ) {
        (Ok(kind), Ok(release)) => format!("{kind} {release}"),
        _ => std::env::consts::OS.to_owned(),
    }
}

/// The load average (1, 5, 15 minutes).
pub(crate) fn load_average() -> Option<[f64; 3]> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut fields = text.split_whitespace().map(|f| f.parse::<f64>().ok());
    Some([fields.next()??, fields.next()??, fields.next()??])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn linux_reports_its_facts() {
        let machine = Machine::current();
        assert!(machine.cores >= 1);
        assert!(machine.memory_bytes.is_some_and(|m| m > 1 << 20));
        assert!(machine.os.starts_with("Linux "), "{}", machine.os);
        assert!(machine.rustc.starts_with("rustc "), "{}", machine.rustc);
        assert!(machine.load_start.is_some());
    }
}
