-- Stint schema version 5: SCIM provisioning (M1, M2). Provisioning tokens are kept by their id
-- with the hash of the secret in the document (the secret itself never); what SCIM keeps about
-- the users and groups it created is keyed by the directory object's id.

CREATE TABLE scim_tokens (
    id  text PRIMARY KEY,
    doc json NOT NULL
);

CREATE TABLE scim_objects (
    id  text PRIMARY KEY,
    doc json NOT NULL
);
