//! A database of its own for one test, one property run or one soak: a SQLite file in a
//! temporary directory, or a PostgreSQL database created on a server and dropped at the end.
//! Included by `tests/api`, `tests/properties` and `tools/src/soak` as a `#[path]` module,
//! so each crate may leave an item unused.

use sea_orm::{ConnectionTrait as _, Database};

pub struct ScratchDatabase {
    pub url: String,
    /// The server's URL and the database's name, while this value still has to drop it.
    postgres: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl ScratchDatabase {
    /// A new database named `{prefix}_{uuid}` on the PostgreSQL server `admin` names, when it
    /// is a postgres URL; otherwise a SQLite file in a new temporary directory.
    pub async fn create(prefix: &str, admin: Option<&str>) -> Result<Self, String> {
        if let Some(admin) = admin.filter(|u| u.starts_with("postgres")) {
            let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
            let conn = Database::connect(admin)
                .await
                .map_err(|e| format!("connect to {admin}: {e}"))?;
            conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .map_err(|e| format!("create database {name}: {e}"))?;
            conn.close().await.ok();
            return Ok(Self {
                url: with_database(admin, &name),
                postgres: Some((admin.to_owned(), name)),
                _dir: None,
            });
        }
        let dir = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("caregraph.db").display()
        );
        Ok(Self {
            url,
            postgres: None,
            _dir: Some(dir),
        })
    }

    /// A database someone else owns (another replica's, or a URL used as it is): dropping
    /// this value leaves it alone.
    #[allow(dead_code)]
    pub fn borrowed(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            postgres: None,
            _dir: None,
        }
    }

    /// Drops the PostgreSQL database now; its name when there was one.
    #[allow(dead_code)]
    pub async fn drop_now(mut self) -> Result<Option<String>, String> {
        let Some((admin, name)) = self.postgres.take() else {
            return Ok(None);
        };
        drop_database(&admin, &name)
            .await
            .map(|()| Some(name.clone()))
            .map_err(|e| format!("drop database {name}: {e}"))
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let Some((admin, name)) = self.postgres.take() else {
            return;
        };
        // Drop may run inside a runtime that must not be blocked: use a thread of our own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(drop_database(&admin, &name))
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop a scratch database: {dropped:?}");
        }
    }
}

async fn drop_database(admin: &str, name: &str) -> Result<(), sea_orm::DbErr> {
    let conn = Database::connect(admin).await?;
    conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    conn.close().await
}

/// `postgres://…/db?opts` with `db` replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let server = base.rsplit_once('/').map_or(base, |(s, _)| s);
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}
