import type { Migration } from './migration.ts';

/** PostgreSQL's migrations: ordered and append-only (see migrations.ts). */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    statements: [
      `CREATE TABLE meta (
        id int PRIMARY KEY CHECK (id = 1),
        generation bigint NOT NULL
      )`,
      `INSERT INTO meta (id, generation) VALUES (1, 0)`,
      `CREATE TABLE devices (
        mac text PRIMARY KEY CHECK (mac ~ '^[0-9a-f]{12}$'),
        vendor text NOT NULL,
        model text,
        profiles jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(profiles) = 'array'),
        settings jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
        reported jsonb,
        last_contact jsonb,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`,
      `CREATE INDEX devices_vendor ON devices (vendor)`,
      `CREATE INDEX devices_profiles ON devices USING gin (profiles)`,
      `CREATE TABLE profiles (
        name text PRIMARY KEY,
        description text,
        settings jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`,
      // A version is one upload's chunks; files points at the version it serves, so an
      // upload swaps in by moving that pointer and an unfinished one is never seen.
      `CREATE TABLE file_versions (
        id bigserial PRIMARY KEY,
        path text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE files (
        path text PRIMARY KEY,
        version bigint NOT NULL UNIQUE REFERENCES file_versions (id),
        size bigint NOT NULL,
        sha256 text NOT NULL,
        content_type text NOT NULL,
        chunk_size int NOT NULL,
        updated_at timestamptz NOT NULL
      )`,
      `CREATE TABLE file_chunks (
        version bigint NOT NULL REFERENCES file_versions (id) ON DELETE CASCADE,
        seq int NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (version, seq)
      )`,
      // Firmware images are already compressed; trying again costs CPU for nothing.
      `ALTER TABLE file_chunks ALTER COLUMN data SET STORAGE EXTERNAL`,
      `CREATE TABLE events (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL,
        mac text,
        driver text,
        file text NOT NULL,
        transport text NOT NULL,
        address text NOT NULL,
        status int NOT NULL,
        bytes bigint NOT NULL,
        duration_ms double precision NOT NULL,
        user_agent text,
        retransmissions int,
        reason text
      )`,
      `CREATE INDEX events_mac_at ON events (mac, at)`,
      `CREATE INDEX events_at ON events (at)`,
    ],
  },
  {
    version: 2,
    name: 'firmware catalogue, contact lists, configured file names',
    statements: [
      // An image's bytes are one file version like an overlay file's; the catalogue row
      // points at it, so an upload swaps in only once it is whole and verified.
      `CREATE TABLE firmware_images (
        vendor text NOT NULL,
        model text NOT NULL,
        version text NOT NULL,
        file_name text NOT NULL,
        blob bigint NOT NULL UNIQUE REFERENCES file_versions (id),
        size bigint NOT NULL,
        sha256 text NOT NULL,
        content_type text NOT NULL,
        chunk_size int NOT NULL,
        created_at timestamptz NOT NULL
      )`,
      // Phones and operators write model names in any case.
      `CREATE UNIQUE INDEX firmware_images_key ON firmware_images (vendor, lower(model), version)`,
      `CREATE TABLE contact_lists (
        device text UNIQUE REFERENCES devices (mac) ON DELETE CASCADE,
        profile text UNIQUE REFERENCES profiles (name) ON DELETE CASCADE,
        contacts jsonb NOT NULL CHECK (jsonb_typeof(contacts) = 'array'),
        updated_at timestamptz NOT NULL,
        CHECK ((device IS NULL) <> (profile IS NULL))
      )`,
      // A Fanvil phone asks for a file by the name its user typed: found by this index.
      `CREATE INDEX devices_config_name ON devices
        (regexp_replace(lower(settings->>'provisioning.config_name'), '\\.(cfg|txt|xml)$', ''))`,
    ],
  },
  {
    version: 3,
    name: 'content versions; devices by reported serial',
    statements: [
      // One row per distinct content of a file family whose version a phone keeps (per device
      // and category). Rows are never updated: a version, once given, names that content for good.
      `CREATE TABLE content_versions (
        scope text NOT NULL,
        category text NOT NULL,
        sha256 text NOT NULL,
        version timestamptz NOT NULL,
        PRIMARY KEY (scope, category, sha256),
        UNIQUE (scope, category, version)
      )`,
      // A phone may name itself by its serial number alone.
      `CREATE INDEX devices_reported_serial ON devices ((reported->>'serial'))`,
    ],
  },
  {
    version: 4,
    name: 'check-sync outcomes; phones pending after plug-and-play',
    statements: [
      // The last check-sync of each device; the event log keeps the history.
      `CREATE TABLE resync_outcomes (
        mac text PRIMARY KEY REFERENCES devices (mac) ON DELETE CASCADE,
        outcome jsonb NOT NULL CHECK (jsonb_typeof(outcome) = 'object'),
        at timestamptz NOT NULL
      )`,
      // Phones that asked by plug-and-play before the operator described them.
      `CREATE TABLE pending_phones (
        mac text PRIMARY KEY CHECK (mac ~ '^[0-9a-f]{12}$'),
        vendor text,
        model text,
        firmware text,
        address text NOT NULL,
        first_seen timestamptz NOT NULL,
        last_seen timestamptz NOT NULL,
        sightings int NOT NULL
      )`,
      `CREATE INDEX pending_phones_last_seen ON pending_phones (last_seen)`,
    ],
  },
  {
    version: 5,
    name: 'device credentials and first contact; security events',
    statements: [
      // Passwords are kept as they are: they are rendered into the phone's files and digest
      // needs them per realm and algorithm. The data directory is readable by its owner only.
      `CREATE TABLE device_credentials (
        mac text PRIMARY KEY REFERENCES devices (mac) ON DELETE CASCADE,
        username text NOT NULL,
        password text NOT NULL,
        previous_password text,
        previous_until timestamptz,
        rotated_at timestamptz NOT NULL,
        first_contact_opened_at timestamptz,
        first_contact_closed_at timestamptz,
        CHECK ((previous_password IS NULL) = (previous_until IS NULL))
      )`,
      `CREATE TABLE security_events (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL,
        kind text NOT NULL,
        address text,
        mac text,
        detail text
      )`,
      `CREATE INDEX security_events_mac ON security_events (mac, id)`,
    ],
  },
  {
    version: 6,
    name: 'TR-069: what the ACS keeps per device',
    statements: [
      // Connection request URL, acknowledged configuration and firmware, downloads in flight,
      // TransferComplete outcomes, a requested reboot: one document per device, read and
      // written whole at each CWMP session.
      `CREATE TABLE cwmp_state (
        mac text PRIMARY KEY REFERENCES devices (mac) ON DELETE CASCADE,
        state jsonb NOT NULL CHECK (jsonb_typeof(state) = 'object'),
        updated_at timestamptz NOT NULL
      )`,
    ],
  },
  {
    version: 7,
    name: 'provisioning events in pages',
    statements: [
      // A row per batch of events costs the engine about what a row per event did; the
      // events of a page are one JSON document that events.ts writes and reads.
      `CREATE TABLE event_pages (
        id bigserial PRIMARY KEY,
        first_at timestamptz NOT NULL,
        last_at timestamptz NOT NULL,
        count int NOT NULL CHECK (count > 0),
        macs text[] NOT NULL,
        events text NOT NULL,
        CHECK (first_at <= last_at)
      )`,
      // Compressed, a page took half the disk but a fifth (PGlite) to two fifths (PostgreSQL)
      // more CPU per event; CPU is what a boot storm runs out of.
      `ALTER TABLE event_pages ALTER COLUMN events SET STORAGE EXTERNAL`,
      `CREATE INDEX event_pages_last_at ON event_pages (last_at, id)`,
      `CREATE INDEX event_pages_macs ON event_pages USING gin (macs)`,
      // Existing events, in pages by id: format 1 with strings as they are. Times are cut
      // to the millisecond the model keeps, so a page's bounds agree with its events.
      `INSERT INTO event_pages (id, first_at, last_at, count, macs, events)
       SELECT page + 1, min(at), max(at), count(*)::int,
         coalesce(array_agg(DISTINCT mac) FILTER (WHERE mac IS NOT NULL), '{}'),
         json_build_object('v', 1, 't0', min(t0), 'e', json_agg(json_build_array(
           ms - t0, mac, driver, file, transport, address, status, bytes, duration_ms,
           user_agent, retransmissions, reason) ORDER BY id))::text
       FROM (
         SELECT numbered.*, min(ms) OVER (PARTITION BY page) AS t0
         FROM (
           SELECT id, date_trunc('milliseconds', at) AS at,
             floor(extract(epoch FROM date_trunc('milliseconds', at)) * 1000)::bigint AS ms,
             (row_number() OVER (ORDER BY id) - 1) / 500 AS page,
             mac, driver, file, transport, address, status, bytes, duration_ms, user_agent,
             retransmissions, reason
           FROM events
         ) AS numbered
       ) AS paged
       GROUP BY page`,
      `SELECT setval(pg_get_serial_sequence('event_pages', 'id'), max(id)) FROM event_pages`,
      `DROP TABLE events`,
    ],
  },
  {
    version: 8,
    name: 'provisioning events one row each again',
    statements: [
      // Pages (migration 7) paid for the engine the embedded store used to run, whose cost was
      // per row; PostgreSQL and SQLite write a batch of rows for about what a page cost, and
      // rows let the database filter and order events itself. Each event keeps its id
      // (page × 1024 + place) and its times; the sequence continues above them.
      `CREATE TABLE events (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL,
        mac text,
        driver text,
        file text NOT NULL,
        transport text NOT NULL,
        address text NOT NULL,
        status int NOT NULL,
        bytes bigint NOT NULL,
        duration_ms double precision NOT NULL,
        user_agent text,
        retransmissions int,
        reason text
      )`,
      `INSERT INTO events (id, at, mac, driver, file, transport, address, status, bytes,
         duration_ms, user_agent, retransmissions, reason)
       SELECT p.id * 1024 + coalesce((doc->'i'->>(e.n - 1)::int)::bigint, e.n - 1),
         timestamptz 'epoch' + ((doc->>'t0')::bigint + (e.cell->>0)::bigint) * interval '1 millisecond',
         ${cellText(1)}, ${cellText(2)}, ${cellText(3)}, ${cellText(4)}, ${cellText(5)},
         (e.cell->>6)::int, (e.cell->>7)::bigint, (e.cell->>8)::double precision,
         ${cellText(9)}, (e.cell->>10)::int, ${cellText(11)}
       FROM event_pages p
       CROSS JOIN LATERAL (SELECT p.events::jsonb AS doc) AS d
       CROSS JOIN LATERAL jsonb_array_elements(d.doc->'e') WITH ORDINALITY AS e (cell, n)`,
      `SELECT setval(pg_get_serial_sequence('events', 'id'),
         greatest(coalesce((SELECT max(id) FROM events), 0), 1))`,
      `CREATE INDEX events_at ON events (at, id)`,
      `CREATE INDEX events_mac_at ON events (mac, at, id)`,
      `DROP TABLE event_pages`,
    ],
  },
  {
    version: 9,
    name: 'events name the node that served them',
    statements: ['ALTER TABLE events ADD COLUMN node text'],
  },
];

/**
 * A text cell of a page document (format 1, migration 7): the string itself, or its place
 * in the page's string table `s`; absent or null is NULL.
 */
function cellText(position: number): string {
  const cell = `e.cell->${position}`;
  return `CASE jsonb_typeof(${cell}) WHEN 'string' THEN ${cell}#>>'{}'
    WHEN 'number' THEN doc->'s'->>((${cell})::text::int) END`;
}
