-- An API key's creator, once deleted, is forgotten by setting created_by alone to NULL. The
-- key was declared `ON DELETE SET NULL` over the whole foreign key (tenant_id, created_by),
-- which would set tenant_id to NULL as well: refused by its NOT NULL (so deleting such a user
-- failed), and refused outright by Citus, which cannot null a distribution column
-- (crates/store/src/citus.rs).
ALTER TABLE api_keys DROP CONSTRAINT api_keys_tenant_id_created_by_fkey;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_tenant_id_created_by_fkey
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (created_by);
