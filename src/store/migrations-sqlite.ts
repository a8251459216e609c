import type { Migration } from './migration.ts';

// Times are ISO-8601 UTC text with milliseconds (sqlite-client.ts writes them so), whose text
// order is time order; JSON is text checked by json_valid and read with SQLite's JSON
// functions. STRICT tables refuse a value of the wrong type instead of keeping it.
const MAC = `text NOT NULL CHECK (length(mac) = 12 AND mac NOT GLOB '*[^0-9a-f]*')`;

/**
 * A device's configured file name as phones ask for it: lower case, without a .cfg, .txt or
 * .xml ending (PostgreSQL's index uses regexp_replace for the same). Part of migration 8: never change it;
 * devices.ts filters by this very text, so the index serves the filter.
 */
export const SQLITE_CONFIG_NAME = `CASE WHEN substr(lower(settings->>'provisioning.config_name'), -4) IN ('.cfg', '.txt', '.xml')
  THEN substr(lower(settings->>'provisioning.config_name'), 1, length(settings->>'provisioning.config_name') - 4)
  ELSE lower(settings->>'provisioning.config_name') END`;

/** SQLite's migrations: ordered and append-only (see migrations.ts). */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 8,
    name: 'the schema of PostgreSQL version 8, on SQLite',
    statements: [
      `CREATE TABLE meta (
        id integer PRIMARY KEY CHECK (id = 1),
        generation integer NOT NULL
      ) STRICT`,
      `INSERT INTO meta (id, generation) VALUES (1, 0)`,
      `CREATE TABLE devices (
        mac ${MAC} PRIMARY KEY,
        vendor text NOT NULL,
        model text,
        profiles text NOT NULL DEFAULT '[]' CHECK (json_type(profiles) = 'array'),
        settings text NOT NULL DEFAULT '{}' CHECK (json_type(settings) = 'object'),
        reported text CHECK (reported IS NULL OR json_type(reported) = 'object'),
        last_contact text CHECK (last_contact IS NULL OR json_valid(last_contact)),
        created_at text NOT NULL,
        updated_at text NOT NULL
      ) STRICT`,
      `CREATE INDEX devices_vendor ON devices (vendor)`,
      // A Fanvil phone asks for a file by the name its user typed.
      `CREATE INDEX devices_config_name ON devices (${SQLITE_CONFIG_NAME})`,
      `CREATE INDEX devices_reported_serial ON devices (reported->>'serial')`,
      `CREATE TABLE profiles (
        name text PRIMARY KEY,
        description text,
        settings text NOT NULL DEFAULT '{}' CHECK (json_type(settings) = 'object'),
        created_at text NOT NULL,
        updated_at text NOT NULL
      ) STRICT`,
      // A version is one upload's chunks; files points at the version it serves, so an
      // upload swaps in by moving that pointer and an unfinished one is never seen. Ids are
      // never reused (AUTOINCREMENT): a reader streaming a replaced version must not find
      // another file's chunks under its number.
      `CREATE TABLE file_versions (
        id integer PRIMARY KEY AUTOINCREMENT,
        path text NOT NULL,
        started_at text NOT NULL
      ) STRICT`,
      `CREATE TABLE files (
        path text PRIMARY KEY,
        version integer NOT NULL UNIQUE REFERENCES file_versions (id),
        size integer NOT NULL,
        sha256 text NOT NULL,
        content_type text NOT NULL,
        chunk_size integer NOT NULL,
        updated_at text NOT NULL
      ) STRICT`,
      `CREATE TABLE file_chunks (
        version integer NOT NULL REFERENCES file_versions (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        data blob NOT NULL,
        PRIMARY KEY (version, seq)
      ) STRICT, WITHOUT ROWID`,
      `CREATE TABLE firmware_images (
        vendor text NOT NULL,
        model text NOT NULL,
        version text NOT NULL,
        file_name text NOT NULL,
        blob integer NOT NULL UNIQUE REFERENCES file_versions (id),
        size integer NOT NULL,
        sha256 text NOT NULL,
        content_type text NOT NULL,
        chunk_size integer NOT NULL,
        created_at text NOT NULL
      ) STRICT`,
      `CREATE UNIQUE INDEX firmware_images_key ON firmware_images (vendor, lower(model), version)`,
      `CREATE TABLE contact_lists (
        device text UNIQUE REFERENCES devices (mac) ON DELETE CASCADE,
        profile text UNIQUE REFERENCES profiles (name) ON DELETE CASCADE,
        contacts text NOT NULL CHECK (json_type(contacts) = 'array'),
        updated_at text NOT NULL,
        CHECK ((device IS NULL) <> (profile IS NULL))
      ) STRICT`,
      `CREATE TABLE content_versions (
        scope text NOT NULL,
        category text NOT NULL,
        sha256 text NOT NULL,
        version text NOT NULL,
        PRIMARY KEY (scope, category, sha256),
        UNIQUE (scope, category, version)
      ) STRICT`,
      `CREATE TABLE events (
        id integer PRIMARY KEY AUTOINCREMENT,
        at text NOT NULL,
        mac text,
        driver text,
        file text NOT NULL,
        transport text NOT NULL,
        address text NOT NULL,
        status integer NOT NULL,
        bytes integer NOT NULL,
        duration_ms real NOT NULL,
        user_agent text,
        retransmissions integer,
        reason text
      ) STRICT`,
      `CREATE INDEX events_at ON events (at, id)`,
      `CREATE INDEX events_mac_at ON events (mac, at, id)`,
      `CREATE TABLE resync_outcomes (
        mac text PRIMARY KEY REFERENCES devices (mac) ON DELETE CASCADE,
        outcome text NOT NULL CHECK (json_type(outcome) = 'object'),
        at text NOT NULL
      ) STRICT`,
      `CREATE TABLE pending_phones (
        mac ${MAC} PRIMARY KEY,
        vendor text,
        model text,
        firmware text,
        address text NOT NULL,
        first_seen text NOT NULL,
        last_seen text NOT NULL,
        sightings integer NOT NULL
      ) STRICT`,
      `CREATE INDEX pending_phones_last_seen ON pending_phones (last_seen)`,
      `CREATE TABLE device_credentials (
        mac text PRIMARY KEY REFERENCES devices (mac) ON DELETE CASCADE,
        username text NOT NULL,
        password text NOT NULL,
        previous_password text,
        previous_until text,
        rotated_at text NOT NULL,
        first_contact_opened_at text,
        first_contact_closed_at text,
        CHECK ((previous_password IS NULL) = (previous_until IS NULL))
      ) STRICT`,
      `CREATE TABLE security_events (
        id integer PRIMARY KEY AUTOINCREMENT,
        at text NOT NULL,
        kind text NOT NULL,
        address text,
        mac text,
        detail text
      ) STRICT`,
      `CREATE INDEX security_events_mac ON security_events (mac, id)`,
      `CREATE TABLE cwmp_state (
        mac text PRIMARY KEY REFERENCES devices (mac) ON DELETE CASCADE,
        state text NOT NULL CHECK (json_type(state) = 'object'),
        updated_at text NOT NULL
      ) STRICT`,
    ],
  },
  {
    version: 9,
    name: 'events name the node that served them',
    statements: ['ALTER TABLE events ADD COLUMN node text'],
  },
];
