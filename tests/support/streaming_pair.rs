//! A real PostgreSQL primary and hot standby on loopback ports, for the read-replica tests:
//! `initdb`, then `pg_basebackup -R` (streaming replication), each server in a temporary
//! folder, both stopped and removed when the pair is dropped.
//!
//! Needs PostgreSQL's server binaries (`/usr/lib/postgresql/<version>/bin`). PostgreSQL
//! refuses to run as root, so under root the servers run as the `postgres` user (`runuser`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Longest wait for a server to start, or for the standby to have a database.
const START: Duration = Duration::from_secs(60);

pub struct StreamingPair {
    bin: PathBuf,
    dir: tempfile::TempDir,
    pub primary_port: u16,
    pub standby_port: u16,
    as_postgres: bool,
}

/// Where PostgreSQL's server binaries are, when installed (the newest version).
pub fn server_binaries() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| Some(entry.ok()?.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists() && bin.join("pg_basebackup").exists())
        .collect();
    found.sort_by_key(|bin| {
        bin.parent()
            .and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl StreamingPair {
    /// Starts a primary with database `caregraph`, and a standby streaming from it.
    pub fn start(bin: PathBuf) -> Self {
        let as_postgres = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        let dir = tempfile::Builder::new()
            .prefix("caregraph-replica-")
            .tempdir()
            .expect("temporary folder");
        let pair = Self {
            bin,
            dir,
            primary_port: free_port(),
            standby_port: free_port(),
            as_postgres,
        };
        if as_postgres {
            pair.run_root("chown", &["postgres:postgres", &pair.path("")]);
        }
        let primary = pair.path("primary");
        pair.run(
            "initdb",
            &["-D", &primary, "-A", "trust", "-U", "postgres", "--no-sync"],
        );
        pair.configure("primary", pair.primary_port);
        pair.start_server("primary");
        pair.run(
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &pair.primary_port.to_string(),
                "-U",
                "postgres",
                "-D",
                &pair.path("standby"),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "--no-sync",
            ],
        );
        pair.configure("standby", pair.standby_port);
        pair.start_server("standby");
        pair.psql(pair.primary_port, "postgres", "CREATE DATABASE caregraph");
        let deadline = Instant::now() + START;
        while !pair
            .psql_output(pair.standby_port, "caregraph", "SELECT 1")
            .status
            .success()
        {
            assert!(
                Instant::now() < deadline,
                "the standby never got the database"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        pair
    }

    pub fn primary_url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/caregraph",
            self.primary_port
        )
    }

    pub fn standby_url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/caregraph",
            self.standby_port
        )
    }

    /// Runs `sql` on the server at `port`; panics when it fails.
    pub fn psql(&self, port: u16, database: &str, sql: &str) -> String {
        let out = self.psql_output(port, database, sql);
        assert!(
            out.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    fn psql_output(&self, port: u16, database: &str, sql: &str) -> Output {
        Command::new("psql")
            .args(["-X", "-q", "-t", "-A", "-h", "127.0.0.1", "-U", "postgres"])
            .args(["-p", &port.to_string(), "-d", database, "-c", sql])
            .output()
            .expect("psql runs")
    }

    /// Stops the standby (fast shutdown).
    pub fn stop_standby(&self) {
        self.run(
            "pg_ctl",
            &["-D", &self.path("standby"), "-m", "fast", "-w", "stop"],
        );
    }

    /// What the standby logged.
    pub fn standby_log(&self) -> String {
        std::fs::read_to_string(self.path("standby.log")).unwrap_or_default()
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }

    fn configure(&self, name: &str, port: u16) {
        let settings = format!(
            "\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
             fsync = off\nfull_page_writes = off\nmax_connections = 60\nshared_buffers = 32MB\n\
             hot_standby = on\nwal_level = replica\nmax_wal_senders = 4\n",
            self.dir.path().display()
        );
        let conf = Path::new(&self.path(name)).join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).expect("postgresql.conf");
        text.push_str(&settings);
        std::fs::write(&conf, text).expect("write postgresql.conf");
    }

    fn start_server(&self, name: &str) {
        let log = self.path(&format!("{name}.log"));
        if self.as_postgres {
            // The log file must be the server user's to write.
            std::fs::write(&log, "").expect("log file");
            self.run_root("chown", &["postgres:postgres", &log]);
        }
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.path(name),
                "-l",
                &log,
                "-w",
                "-t",
                &START.as_secs().to_string(),
                "start",
            ],
        );
    }

    /// Runs PostgreSQL's program `program` (as `postgres` under root).
    fn run(&self, program: &str, args: &[&str]) {
        let binary = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&binary);
            c
        } else {
            Command::new(&binary)
        };
        let out = command
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn run_root(&self, program: &str, args: &[&str]) {
        let status = Command::new(program)
            .args(args)
            .status()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        assert!(status.success(), "{program} {args:?} failed");
    }
}

impl Drop for StreamingPair {
    fn drop(&mut self) {
        for name in ["standby", "primary"] {
            let binary = self.bin.join("pg_ctl");
            let data = self.path(name);
            let mut command = if self.as_postgres {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(&binary);
                c
            } else {
                Command::new(&binary)
            };
            // A server already stopped answers with an error: nothing to do then.
            let _ = command
                .args(["-D", &data, "-m", "immediate", "-w", "stop"])
                .current_dir(self.dir.path())
                .output();
        }
    }
}
