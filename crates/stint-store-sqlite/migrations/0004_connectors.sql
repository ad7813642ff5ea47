-- Stint schema version 4: connectors (issue 18, C1), each stored whole with its links; the
-- credentials inside the document are read by the connector workers only.

CREATE TABLE connectors (
    id  TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);
