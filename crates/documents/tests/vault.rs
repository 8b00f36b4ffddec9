//! The vault against real parts: an embedded PostgreSQL for the data keys, a directory on
//! this machine's disk, and moto's S3 server (path-style, plain HTTP).

use bytes::Bytes;
use comply360_documents::vault::cipher::{CHUNK_LEN, HEADER_LEN, SEALED_CHUNK_LEN, sealed_len};
use comply360_documents::vault::{
    DataKeyError, DataKeys, KeyRing, ObjectKey, StorageConfig, Vault, VaultError, rewrap_all,
};
use comply360_domain::{Secret, TenantId};
use comply360_identity::sealed::MasterKey;
use comply360_testkit::moto::{Moto, moto};
use comply360_testkit::{TestDb, eventually};
use futures::StreamExt;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// A marker that must never appear in what is stored.
const MARKER: &[u8] = b"SA-ID-8001015009087-CONFIDENTIAL|";

/// Where a test's objects are stored.
enum Storage {
    Local(tempfile::TempDir),
    S3 { moto: &'static Moto, bucket: String },
}

impl Storage {
    fn local() -> Storage {
        Storage::Local(tempfile::tempdir().expect("a directory for the vault"))
    }

    async fn s3(moto: &'static Moto) -> Storage {
        let bucket = moto.fresh_bucket().await;
        Storage::S3 { moto, bucket }
    }

    fn config(&self) -> StorageConfig {
        match self {
            // A root that does not exist yet: the vault creates it.
            Storage::Local(dir) => StorageConfig::local_in(dir.path()),
            Storage::S3 { moto, bucket } => StorageConfig::S3 {
                bucket: bucket.clone(),
                endpoint: Some(moto.endpoint.clone()),
                region: "us-east-1".into(),
                access_key_id: "c360-test".into(),
                secret_access_key: Secret::new("c360-test-secret"),
                path_style: true,
                allow_http: true,
            },
        }
    }

    /// The same store, reached directly: to plant altered objects and look for leftovers.
    fn object_store(&self) -> Arc<dyn ObjectStore> {
        self.config().object_store().expect("the test store")
    }

    fn vault(&self, db: &TestDb, ring: KeyRing) -> Vault {
        Vault::new(&self.config(), DataKeys::from_store(&db.store, ring)).expect("the vault")
    }

    /// Every file under a local root (objects and any staging files).
    fn local_files(&self) -> Vec<PathBuf> {
        match self {
            Storage::Local(dir) => files_under(dir.path()),
            Storage::S3 { .. } => Vec::new(),
        }
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let path = e.path();
            if path.is_dir() {
                files_under(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

fn plaintext(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 131 % 251) as u8).collect()
}

fn new_key(tenant: TenantId) -> ObjectKey {
    ObjectKey::document(tenant, Uuid::now_v7())
}

/// Writes `plain` in slices of `slice` bytes; the stored size.
async fn write(
    vault: &Vault,
    tenant: TenantId,
    key: &ObjectKey,
    plain: &[u8],
    slice: usize,
) -> u64 {
    let mut writer = vault.writer(tenant, key).await.expect("start writing");
    for part in plain.chunks(slice) {
        writer.write(part).await.expect("write");
    }
    writer.finish().await.expect("finish writing")
}

async fn read(vault: &Vault, tenant: TenantId, key: &ObjectKey) -> Result<Vec<u8>, VaultError> {
    vault.read_to_vec(tenant, key, u64::MAX).await
}

async fn put_raw(store: &Arc<dyn ObjectStore>, key: &ObjectKey, bytes: Vec<u8>) {
    store
        .put(&key.path(), PutPayload::from(bytes))
        .await
        .expect("plant an object");
}

fn assert_cannot_open(result: Result<Vec<u8>, VaultError>, what: &str) {
    assert!(
        matches!(result, Err(VaultError::CannotOpen)),
        "{what}: {result:?}"
    );
}

fn holds_marker(bytes: &[u8]) -> bool {
    // Any 8 consecutive bytes of the marker would betray it.
    bytes.windows(8).any(|w| MARKER.windows(8).any(|m| m == w))
}

// ---------------------------------------------------------------------------------------
// The checks, each run against a directory and against moto.

async fn round_trips(storage: &Storage) {
    let db = TestDb::new().await;
    let vault = storage.vault(&db, KeyRing::new(MasterKey::generate()));
    let tenant = TenantId::new();
    for (len, slice) in [
        (0, 1),
        (1, 1),
        (65535, 4093),
        (65536, 1021),
        (65537, 65537),
        (5_000_011, 77_777),
    ] {
        let plain = plaintext(len);
        let key = new_key(tenant);
        let stored = write(&vault, tenant, &key, &plain, slice).await;
        assert_eq!(stored, sealed_len(len as u64), "stored size of {len} bytes");
        assert_eq!(vault.raw(&key).await.unwrap().len() as u64, stored);

        // Streamed a chunk at a time, never more.
        let pieces: Vec<Bytes> = vault
            .open(tenant, &key)
            .map(|piece| piece.expect("a verified piece"))
            .collect()
            .await;
        assert!(pieces.iter().all(|p| p.len() <= CHUNK_LEN && !p.is_empty()));
        let opened: Vec<u8> = pieces.concat();
        assert!(opened == plain, "{len} bytes written in slices of {slice}");
    }
}

async fn stored_bytes_hold_no_plaintext(storage: &Storage) {
    let db = TestDb::new().await;
    let vault = storage.vault(&db, KeyRing::new(MasterKey::generate()));
    let tenant = TenantId::new();
    let key = new_key(tenant);
    let plain: Vec<u8> = MARKER
        .iter()
        .copied()
        .cycle()
        .take(MARKER.len() * 30_000)
        .collect();
    write(&vault, tenant, &key, &plain, 10_000).await;

    let raw = vault.raw(&key).await.unwrap();
    assert!(!holds_marker(&raw), "the stored object holds the plaintext");
    // On disk too: the only file is the object, named by ids alone, holding the same bytes.
    if let Storage::Local(dir) = storage {
        let files = storage.local_files();
        let expected = dir.path().join("documents").join(key.as_str());
        assert_eq!(files, vec![expected.clone()]);
        assert!(std::fs::read(&expected).unwrap() == raw);
    }
    assert!(read(&vault, tenant, &key).await.unwrap() == plain);
}

async fn objects_stay_with_their_agency_and_document(storage: &Storage) {
    let db = TestDb::new().await;
    let vault = storage.vault(&db, KeyRing::new(MasterKey::generate()));
    let store = storage.object_store();
    let (a, b) = (TenantId::new(), TenantId::new());
    let document = Uuid::now_v7();
    let key_a = ObjectKey::document(a, document);
    let plain = plaintext(100_000);
    write(&vault, a, &key_a, &plain, 3000).await;
    // B has a data key of its own (the same version number as A's).
    write(&vault, b, &new_key(b), b"agency B's own", 100).await;
    let raw = vault.raw(&key_a).await.unwrap().to_vec();

    // The same document id under agency B.
    let key_b = ObjectKey::document(b, document);
    put_raw(&store, &key_b, raw.clone()).await;
    assert_cannot_open(read(&vault, b, &key_b).await, "A's object under B's key");

    // Another document of agency A.
    let other = new_key(a);
    put_raw(&store, &other, raw.clone()).await;
    assert_cannot_open(
        read(&vault, a, &other).await,
        "a document under another's key",
    );

    // Asking for A's object as agency B is refused before anything is read.
    assert!(matches!(
        read(&vault, b, &key_a).await,
        Err(VaultError::OtherAgency)
    ));
    assert!(matches!(
        vault.writer(b, &key_a).await,
        Err(VaultError::OtherAgency)
    ));
    assert!(read(&vault, a, &key_a).await.unwrap() == plain);
}

async fn altered_objects_do_not_open(storage: &Storage) {
    let db = TestDb::new().await;
    let vault = storage.vault(&db, KeyRing::new(MasterKey::generate()));
    let store = storage.object_store();
    let tenant = TenantId::new();
    let key = new_key(tenant);
    // Three full chunks and a short last one.
    let plain = plaintext(3 * CHUNK_LEN + 100);
    write(&vault, tenant, &key, &plain, 5000).await;
    let raw = vault.raw(&key).await.unwrap().to_vec();
    let chunk =
        |n: usize| HEADER_LEN + n * SEALED_CHUNK_LEN..HEADER_LEN + (n + 1) * SEALED_CHUNK_LEN;
    let last = HEADER_LEN + 3 * SEALED_CHUNK_LEN..raw.len();
    let target = new_key(tenant);
    let planted = |bytes: Vec<u8>| {
        let (store, target) = (store.clone(), target.clone());
        async move { put_raw(&store, &target, bytes).await }
    };
    // The bytes planted under `target` must be opened as if they were `target`'s own: bind
    // them to it by writing a genuine object there first and altering that one.
    write(&vault, tenant, &target, &plain, 5000).await;
    let genuine = vault.raw(&target).await.unwrap().to_vec();
    assert!(read(&vault, tenant, &target).await.unwrap() == plain);
    assert_eq!(genuine.len(), raw.len());

    // One byte flipped in the header, in each chunk's body and tag, in the last chunk.
    let mut positions = vec![0, 8, 12, 30, HEADER_LEN - 1];
    for n in 0..3 {
        let c = chunk(n);
        positions.extend([c.start, c.start + 1000, c.end - 1]);
    }
    positions.extend([last.start, last.end - 1]);
    for i in positions {
        let mut altered = genuine.clone();
        altered[i] ^= 0x04;
        planted(altered).await;
        assert_cannot_open(
            read(&vault, tenant, &target).await,
            &format!("byte {i} flipped"),
        );
    }

    // Truncated: at every chunk boundary (the last chunk missing) and inside the last chunk.
    for cut in [
        0,
        10,
        HEADER_LEN,
        chunk(0).end,
        chunk(1).end,
        chunk(2).end,
        raw.len() - 1,
    ] {
        planted(genuine[..cut].to_vec()).await;
        assert_cannot_open(
            read(&vault, tenant, &target).await,
            &format!("cut at {cut}"),
        );
    }

    // Extended: one byte, a copy of a chunk, the last chunk twice.
    for extra in [
        vec![0u8],
        genuine[chunk(1)].to_vec(),
        genuine[last.clone()].to_vec(),
    ] {
        let mut longer = genuine.clone();
        longer.extend_from_slice(&extra);
        planted(longer).await;
        assert_cannot_open(read(&vault, tenant, &target).await, "extended");
    }

    // Reordered: chunks 0 and 1 swapped; chunk 1 left out.
    let mut swapped = genuine[..HEADER_LEN].to_vec();
    for n in [1, 0, 2] {
        swapped.extend_from_slice(&genuine[chunk(n)]);
    }
    swapped.extend_from_slice(&genuine[last.clone()]);
    planted(swapped).await;
    assert_cannot_open(read(&vault, tenant, &target).await, "chunks swapped");
    let mut missing = genuine[..chunk(1).start].to_vec();
    missing.extend_from_slice(&genuine[chunk(2).start..]);
    planted(missing).await;
    assert_cannot_open(read(&vault, tenant, &target).await, "a chunk left out");

    // A chunk of another object of the same agency and key version.
    let mut spliced = genuine.clone();
    spliced[chunk(1)].copy_from_slice(&raw[chunk(1)]);
    planted(spliced).await;
    assert_cannot_open(
        read(&vault, tenant, &target).await,
        "a chunk of another object",
    );

    // The stream reports the failure after handing out only verified chunks.
    let mut altered = genuine.clone();
    altered[chunk(2).start + 5] ^= 1;
    planted(altered).await;
    let results: Vec<Result<Bytes, VaultError>> = vault.open(tenant, &target).collect().await;
    assert_eq!(results.len(), 3, "two verified chunks, then the error");
    assert!(matches!(results[2], Err(VaultError::CannotOpen)));
}

async fn master_key_rotation(storage: &Storage) {
    let db = TestDb::new().await;
    let (one, two) = (MasterKey::generate(), MasterKey::generate());
    let vault = storage.vault(&db, KeyRing::new(one.clone()));
    let mut objects = Vec::new();
    for n in 0..3 {
        let tenant = TenantId::new();
        let key = new_key(tenant);
        let plain = plaintext(70_000 + n);
        write(&vault, tenant, &key, &plain, 9999).await;
        objects.push((tenant, key, plain));
    }
    let mut stored_before = Vec::new();
    for (_, key, _) in &objects {
        stored_before.push(vault.raw(key).await.unwrap());
    }

    // Rewrapping needs the owner role: the app role may only read and create data keys.
    let rotation = KeyRing::new(two.clone()).with_previous(one.clone());
    let app_pool = db.store.tenancy().catalog_pool();
    assert!(matches!(
        rewrap_all(app_pool, &rotation).await,
        Err(DataKeyError::Database(_))
    ));

    let report = rewrap_all(db.store.owner_pool(), &rotation).await.unwrap();
    assert_eq!((report.rewrapped, report.already_current), (3, 0));
    let again = rewrap_all(db.store.owner_pool(), &rotation).await.unwrap();
    assert_eq!((again.rewrapped, again.already_current), (0, 3));

    // Documents are never rewritten by a rotation.
    for ((_, key, _), before) in objects.iter().zip(&stored_before) {
        assert_eq!(&vault.raw(key).await.unwrap(), before);
    }
    // Fresh processes: with only the new key everything opens, with only the old none does.
    let new_only = storage.vault(&db, KeyRing::new(two.clone()));
    let old_only = storage.vault(&db, KeyRing::new(one.clone()));
    for (tenant, key, plain) in &objects {
        assert!(&read(&new_only, *tenant, key).await.unwrap() == plain);
        let refused = read(&old_only, *tenant, key).await;
        assert!(
            matches!(
                refused,
                Err(VaultError::Keys(DataKeyError::UnknownMasterKey { .. }))
            ),
            "{refused:?}"
        );
    }
    // New agencies' keys are wrapped by the new key from now on; the ring only needs it.
    let tenant = TenantId::new();
    let key = new_key(tenant);
    write(&new_only, tenant, &key, b"after the rotation", 3).await;
    let final_report = rewrap_all(db.store.owner_pool(), &KeyRing::new(two))
        .await
        .unwrap();
    assert_eq!(
        (final_report.rewrapped, final_report.already_current),
        (0, 4)
    );
}

async fn aborted_and_dropped_writers_leave_nothing(storage: &Storage) {
    let db = TestDb::new().await;
    let vault = storage.vault(&db, KeyRing::new(MasterKey::generate()));
    let store = storage.object_store();
    let tenant = TenantId::new();
    // Over one 5 MiB part, so a part is uploaded before the writer is abandoned.
    let plain = plaintext(6 * 1024 * 1024);

    let aborted = new_key(tenant);
    let mut writer = vault.writer(tenant, &aborted).await.unwrap();
    writer.write(&plain).await.unwrap();
    writer.abort().await;
    assert!(matches!(
        store.head(&aborted.path()).await,
        Err(object_store::Error::NotFound { .. })
    ));
    assert!(matches!(
        read(&vault, tenant, &aborted).await,
        Err(VaultError::NotFound)
    ));

    let dropped = new_key(tenant);
    let mut writer = vault.writer(tenant, &dropped).await.unwrap();
    writer.write(&plain).await.unwrap();
    drop(writer);

    // An abandoned overwrite keeps the object that was there.
    let kept = new_key(tenant);
    write(&vault, tenant, &kept, b"the first version", 5).await;
    let mut writer = vault.writer(tenant, &kept).await.unwrap();
    writer.write(&plain).await.unwrap();
    writer.abort().await;
    assert_eq!(
        read(&vault, tenant, &kept).await.unwrap(),
        b"the first version"
    );

    // The dropped writer's clean-up runs in the background.
    let expected_files = match storage {
        Storage::Local(dir) => vec![dir.path().join("documents").join(kept.as_str())],
        Storage::S3 { .. } => Vec::new(),
    };
    let (store, dropped, expected_files) = (&store, &dropped, &expected_files);
    eventually(
        "the dropped writer's upload to be cleaned up",
        Duration::from_secs(10),
        || async move {
            let visible = store.head(&dropped.path()).await.is_ok();
            let pending = match storage {
                Storage::S3 { moto, bucket } => moto.pending_uploads(bucket).await,
                Storage::Local(_) => 0,
            };
            let files = storage.local_files();
            if !visible && pending == 0 && &files == expected_files {
                Ok(())
            } else {
                Err(format!(
                    "visible {visible}, pending uploads {pending}, files {files:?}"
                ))
            }
        },
    )
    .await;
}

// ---------------------------------------------------------------------------------------
// A directory on this machine.

#[tokio::test]
async fn local_round_trips_at_every_chunk_boundary_and_5_mb() {
    round_trips(&Storage::local()).await;
}

#[tokio::test]
async fn local_stored_bytes_hold_no_plaintext() {
    stored_bytes_hold_no_plaintext(&Storage::local()).await;
}

#[tokio::test]
async fn local_objects_do_not_open_under_another_agency_or_document() {
    objects_stay_with_their_agency_and_document(&Storage::local()).await;
}

#[tokio::test]
async fn local_altered_truncated_extended_and_reordered_objects_do_not_open() {
    altered_objects_do_not_open(&Storage::local()).await;
}

#[tokio::test]
async fn local_master_key_rotation_rewraps_data_keys_only() {
    master_key_rotation(&Storage::local()).await;
}

#[tokio::test]
async fn local_aborted_and_dropped_writers_leave_nothing() {
    aborted_and_dropped_writers_leave_nothing(&Storage::local()).await;
}

#[tokio::test]
async fn delete_removes_and_a_missing_object_is_not_found() {
    let db = TestDb::new().await;
    let storage = Storage::local();
    let vault = storage.vault(&db, KeyRing::new(MasterKey::generate()));
    let tenant = TenantId::new();
    let key = new_key(tenant);
    assert!(matches!(
        read(&vault, tenant, &key).await,
        Err(VaultError::NotFound)
    ));
    assert!(matches!(vault.raw(&key).await, Err(VaultError::NotFound)));
    write(&vault, tenant, &key, b"to be deleted", 4).await;
    vault.delete(tenant, &key).await.unwrap();
    vault.delete(tenant, &key).await.unwrap();
    assert!(matches!(
        read(&vault, tenant, &key).await,
        Err(VaultError::NotFound)
    ));
    assert!(
        storage.local_files().is_empty(),
        "{:?}",
        storage.local_files()
    );
}

#[tokio::test]
async fn read_to_vec_refuses_more_than_asked_for() {
    let db = TestDb::new().await;
    let storage = Storage::local();
    let vault = storage.vault(&db, KeyRing::new(MasterKey::generate()));
    let tenant = TenantId::new();
    let key = new_key(tenant);
    write(&vault, tenant, &key, &plaintext(200_000), 50_000).await;
    assert!(matches!(
        vault.read_to_vec(tenant, &key, 199_999).await,
        Err(VaultError::TooLarge { max_bytes: 199_999 })
    ));
    assert_eq!(
        vault
            .read_to_vec(tenant, &key, 200_000)
            .await
            .unwrap()
            .len(),
        200_000
    );
}

#[tokio::test]
async fn replicas_racing_for_an_agencys_first_key_agree_on_one() {
    let db = TestDb::new().await;
    let storage = Storage::local();
    let ring = KeyRing::new(MasterKey::generate());
    let replicas: Vec<Vault> = (0..4).map(|_| storage.vault(&db, ring.clone())).collect();
    let tenant = TenantId::new();
    let keys: Vec<ObjectKey> = (0..4).map(|_| new_key(tenant)).collect();
    // Each replica writes its first document for the agency at the same moment.
    let writes = replicas.iter().zip(&keys).map(|(vault, key)| async move {
        write(vault, tenant, key, key.as_str().as_bytes(), 7).await
    });
    futures::future::join_all(writes).await;
    // One row, and every replica reads every other's documents.
    let rows: Vec<(i32, String)> =
        sqlx::query_as("SELECT version, master_kid FROM control.data_keys WHERE tenant_id = $1")
            .bind(tenant.as_uuid())
            .fetch_all(db.store.owner_pool())
            .await
            .unwrap();
    assert_eq!(rows, vec![(1, ring.current_kid())]);
    for vault in &replicas {
        for key in &keys {
            assert_eq!(
                read(vault, tenant, key).await.unwrap(),
                key.as_str().as_bytes()
            );
        }
    }
}

#[tokio::test]
async fn two_rotations_running_at_once_rewrap_every_key_exactly_once() {
    let db = TestDb::new().await;
    let (one, two) = (MasterKey::generate(), MasterKey::generate());
    let keys = DataKeys::from_store(&db.store, KeyRing::new(one.clone()));
    // More agencies than one rewrap transaction takes, so each run needs several.
    let tenants: Vec<TenantId> = (0..250).map(|_| TenantId::new()).collect();
    for tenant in &tenants {
        keys.current(*tenant).await.unwrap();
    }
    let rotation = KeyRing::new(two.clone()).with_previous(one);
    let owner = db.store.owner_pool();
    let (first, second) = tokio::join!(rewrap_all(owner, &rotation), rewrap_all(owner, &rotation));
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(
        first.rewrapped + second.rewrapped,
        250,
        "{first:?} {second:?}"
    );
    let under_new: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM control.data_keys WHERE master_kid = $1 AND rewrapped_at IS NOT NULL",
    )
    .bind(rotation.current_kid())
    .fetch_one(owner)
    .await
    .unwrap();
    assert_eq!(under_new, 250);
    // A fresh process holding only the new key has every agency's key.
    let fresh = DataKeys::from_store(&db.store, KeyRing::new(two));
    for tenant in &tenants {
        assert_eq!(fresh.current(*tenant).await.unwrap().0, 1);
    }
}

#[tokio::test]
async fn a_wrapped_data_key_copied_to_another_agency_does_not_open() {
    let db = TestDb::new().await;
    let storage = Storage::local();
    let ring = KeyRing::new(MasterKey::generate());
    let vault = storage.vault(&db, ring.clone());
    let (a, b) = (TenantId::new(), TenantId::new());
    let key_a = new_key(a);
    write(&vault, a, &key_a, b"A's document", 3).await;
    // B's row is given A's wrapped key: the wrap is bound to A's id and refuses to open.
    sqlx::query(
        "INSERT INTO control.data_keys (tenant_id, version, wrapped, master_kid) \
         SELECT $2, version, wrapped, master_kid FROM control.data_keys WHERE tenant_id = $1",
    )
    .bind(a.as_uuid())
    .bind(b.as_uuid())
    .execute(db.store.owner_pool())
    .await
    .unwrap();
    let fresh = storage.vault(&db, ring);
    let refused = fresh.writer(b, &new_key(b)).await;
    assert!(
        matches!(refused, Err(VaultError::Keys(DataKeyError::Unwrap { .. }))),
        "{:?}",
        refused.err()
    );
}

#[tokio::test]
async fn errors_and_debug_output_hold_no_key_material() {
    let db = TestDb::new().await;
    let storage = Storage::local();
    let master = MasterKey::generate();
    let vault = storage.vault(&db, KeyRing::new(master.clone()));
    let debug = format!("{vault:?} {:?}", vault.data_keys());
    assert!(!debug.contains(&master.to_base64()), "{debug}");
    let s3 = format!(
        "{:?}",
        StorageConfig::S3 {
            bucket: "b".into(),
            endpoint: None,
            region: "r".into(),
            access_key_id: "id".into(),
            secret_access_key: Secret::new("very-secret-access-key"),
            path_style: false,
            allow_http: false,
        }
    );
    assert!(!s3.contains("very-secret-access-key"), "{s3}");
}

// ---------------------------------------------------------------------------------------
// moto's S3 server.

#[tokio::test]
async fn s3_round_trips_at_every_chunk_boundary_and_5_mb() {
    let Some(moto) = moto().await else { return };
    round_trips(&Storage::s3(moto).await).await;
}

#[tokio::test]
async fn s3_stored_bytes_hold_no_plaintext() {
    let Some(moto) = moto().await else { return };
    stored_bytes_hold_no_plaintext(&Storage::s3(moto).await).await;
}

#[tokio::test]
async fn s3_objects_do_not_open_under_another_agency_or_document() {
    let Some(moto) = moto().await else { return };
    objects_stay_with_their_agency_and_document(&Storage::s3(moto).await).await;
}

#[tokio::test]
async fn s3_altered_objects_do_not_open() {
    let Some(moto) = moto().await else { return };
    altered_objects_do_not_open(&Storage::s3(moto).await).await;
}

#[tokio::test]
async fn s3_master_key_rotation_rewraps_data_keys_only() {
    let Some(moto) = moto().await else { return };
    master_key_rotation(&Storage::s3(moto).await).await;
}

#[tokio::test]
async fn s3_aborted_and_dropped_writers_leave_nothing() {
    let Some(moto) = moto().await else { return };
    aborted_and_dropped_writers_leave_nothing(&Storage::s3(moto).await).await;
}
