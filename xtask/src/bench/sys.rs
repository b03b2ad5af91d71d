//! The two system calls std does not offer: reaping a child with its resource usage, and
//! interrupting a process (the simulator prints its counters on SIGINT).

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::Duration;

/// How a reaped child ended, and what it used.
#[derive(Debug)]
pub struct Exit {
    pub status: ExitStatus,
    /// Peak resident set size, bytes (`ru_maxrss` of this child alone).
    pub peak_rss: u64,
    /// User plus system CPU time.
    pub cpu: Duration,
}

fn timeval(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
}

/// Waits for child `pid` to exit and reaps it: `wait4`, which reports that child's own
/// resource usage (not that of every child, as `getrusage(RUSAGE_CHILDREN)` would).
pub fn wait4(pid: u32) -> io::Result<Exit> {
    let pid = libc::pid_t::try_from(pid).map_err(io::Error::other)?;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain integers, for which all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers are to live, writable locals of the right types.
        let reaped = unsafe { libc::wait4(pid, &raw mut status, 0, &raw mut usage) };
        if reaped == pid {
            break;
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
    Ok(Exit {
        status: ExitStatus::from_raw(status),
        // Linux reports kilobytes.
        peak_rss: u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024,
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
    })
}

/// Sends SIGINT to `pid`.
pub fn interrupt(pid: u32) -> io::Result<()> {
    let pid = libc::pid_t::try_from(pid).map_err(io::Error::other)?;
    // SAFETY: `kill` takes no pointers; `pid` is a child this process has not reaped.
    if unsafe { libc::kill(pid, libc::SIGINT) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
