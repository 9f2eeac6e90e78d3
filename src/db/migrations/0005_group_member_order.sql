-- One group's members in v1 order (Name: users.name; Email: lower(users.email); then the id), at any page, as
-- one index range: each membership carries what the v1 list sorts and scopes its members by, copied from its
-- user and kept in step by triggers, in the same transaction as the change. A deep page then skips index
-- entries of that group alone, rather than walking the tenant's users in order and probing each one's
-- memberships, and the total is an index-only count of the group's live members.

-- The memberships are rebuilt with their users' columns in one pass, rather than updated in place: an UPDATE
-- of every row would leave the table and its indexes twice their size until vacuumed, and indexes built in
-- the same transaction would hold the old row versions as well. Same columns first, same constraint names.
CREATE TABLE user_groups_rebuilt (
  tenant_id uuid NOT NULL,
  user_id uuid NOT NULL,
  group_id uuid NOT NULL,
  reseller_id uuid NOT NULL,
  user_name text NOT NULL,
  -- lower(email): what the Email sort orders by (USER_FIELDS.email.sortColumn).
  user_lower_email text NOT NULL,
  is_user_deleted boolean NOT NULL DEFAULT false
);
INSERT INTO user_groups_rebuilt
SELECT ug.tenant_id, ug.user_id, ug.group_id, u.reseller_id, u.name, lower(u.email), u.deleted_at IS NOT NULL
FROM user_groups ug JOIN users u ON u.tenant_id = ug.tenant_id AND u.id = ug.user_id;
DROP TABLE user_groups;
ALTER TABLE user_groups_rebuilt RENAME TO user_groups;
ALTER TABLE user_groups
  ADD PRIMARY KEY (tenant_id, user_id, group_id),
  ADD FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
  ADD FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id);

-- A new membership copies its user's row. FOR SHARE: a concurrent change of the user (which copies itself to
-- the memberships it sees) waits for this insert to commit, or this insert for that change, so that neither
-- is lost. A user the insert cannot see (inserted by the same statement) leaves the values the insert gives.
CREATE FUNCTION user_groups_copy_user() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  found_user record;
BEGIN
  SELECT u.reseller_id, u.name, lower(u.email) AS lower_email, u.deleted_at IS NOT NULL AS is_deleted
    INTO found_user
  FROM users u WHERE u.tenant_id = NEW.tenant_id AND u.id = NEW.user_id
  FOR SHARE;
  IF FOUND THEN
    NEW.reseller_id := found_user.reseller_id;
    NEW.user_name := found_user.name;
    NEW.user_lower_email := found_user.lower_email;
    NEW.is_user_deleted := found_user.is_deleted;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER user_groups_copy_user BEFORE INSERT OR UPDATE OF tenant_id, user_id ON user_groups
  FOR EACH ROW EXECUTE FUNCTION user_groups_copy_user();

-- A user's change of name, email, reseller or deletion reaches its memberships.
CREATE FUNCTION users_copy_to_user_groups() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE user_groups
  SET reseller_id = NEW.reseller_id, user_name = NEW.name, user_lower_email = lower(NEW.email),
    is_user_deleted = NEW.deleted_at IS NOT NULL
  WHERE tenant_id = NEW.tenant_id AND user_id = NEW.id;
  RETURN NULL;
END
$$;
-- An update sets every field, changed or not: only a change of what the memberships copy rewrites them.
CREATE TRIGGER users_copy_to_user_groups
  AFTER UPDATE OF reseller_id, first_name, last_name, email, deleted_at ON users
  FOR EACH ROW
  WHEN (OLD.reseller_id IS DISTINCT FROM NEW.reseller_id OR OLD.name IS DISTINCT FROM NEW.name
    OR lower(OLD.email) IS DISTINCT FROM lower(NEW.email)
    OR (OLD.deleted_at IS NULL) IS DISTINCT FROM (NEW.deleted_at IS NULL))
  EXECUTE FUNCTION users_copy_to_user_groups();

-- One group's live members in each v1 order, of the whole tenant and of one reseller: a page is a range of
-- one of these, index-only. The id last, so that pages never repeat or skip a member.
CREATE INDEX user_groups_group_name ON user_groups (tenant_id, group_id, user_name, user_id)
  WHERE NOT is_user_deleted;
CREATE INDEX user_groups_group_email ON user_groups (tenant_id, group_id, user_lower_email, user_id)
  WHERE NOT is_user_deleted;
CREATE INDEX user_groups_reseller_group_name
  ON user_groups (tenant_id, reseller_id, group_id, user_name, user_id) WHERE NOT is_user_deleted;
CREATE INDEX user_groups_reseller_group_email
  ON user_groups (tenant_id, reseller_id, group_id, user_lower_email, user_id) WHERE NOT is_user_deleted;
-- A group's memberships by user id, as 0002 had it: the members a search within groups joins with, the
-- distinct members of several groups (index-only, with whether each is live), the foreign key to groups.
CREATE INDEX user_groups_group ON user_groups (tenant_id, group_id, user_id) INCLUDE (is_user_deleted);
-- Totals of one group (of the tenant, of a reseller): every key of a group is the same, so B-tree
-- deduplication keeps these to a few bytes per membership, and a count reads a tenth of a sort index.
CREATE INDEX user_groups_group_count ON user_groups (tenant_id, group_id, is_user_deleted);
CREATE INDEX user_groups_reseller_group_count ON user_groups (tenant_id, reseller_id, group_id)
  WHERE NOT is_user_deleted;

-- The planner's statistics of the new table, before the first list reads it.
ANALYZE user_groups;
