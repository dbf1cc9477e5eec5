-- The sales warehouse: the SQLite schema behind the sales example.
--
-- Money is integer cents, dates are ISO 8601 text ('YYYY-MM-DD'), flags are 0/1.
-- `sales-upstream` creates a fresh database from this file and seeds it.

PRAGMA foreign_keys = ON;

CREATE TABLE regions (
    id   TEXT PRIMARY KEY CHECK (id IN ('EMEA', 'NA', 'LATAM', 'APAC')),
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE customers (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    email      TEXT    NOT NULL UNIQUE,
    region_id  TEXT    NOT NULL REFERENCES regions (id),
    segment    TEXT    NOT NULL CHECK (segment IN ('enterprise', 'smb', 'consumer')),
    created_at TEXT    NOT NULL CHECK (date(created_at) = created_at)
);

CREATE INDEX customers_region ON customers (region_id, segment);
CREATE INDEX customers_name ON customers (name COLLATE NOCASE);

CREATE TABLE products (
    id               INTEGER PRIMARY KEY,
    sku              TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    category         TEXT    NOT NULL,
    unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents > 0),
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

CREATE INDEX products_category ON products (category, active);

CREATE TABLE orders (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    region_id   TEXT    NOT NULL REFERENCES regions (id),
    status      TEXT    NOT NULL CHECK (status IN ('open', 'paid', 'shipped', 'cancelled')),
    ordered_at  TEXT    NOT NULL CHECK (date(ordered_at) = ordered_at),
    total_cents INTEGER NOT NULL CHECK (total_cents >= 0)
);

CREATE INDEX orders_customer ON orders (customer_id, ordered_at);
CREATE INDEX orders_region ON orders (region_id, ordered_at);
CREATE INDEX orders_ordered_at ON orders (ordered_at);
CREATE INDEX orders_status ON orders (status, ordered_at);

CREATE TABLE order_items (
    order_id         INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id       INTEGER NOT NULL REFERENCES products (id),
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents > 0),
    PRIMARY KEY (order_id, product_id)
) WITHOUT ROWID;

CREATE INDEX order_items_product ON order_items (product_id);
