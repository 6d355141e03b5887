-- REST API tokens (issue 20). Frozen once applied.
-- Only the SHA-256 of a token is stored: the token itself is shown once, by `radar tokens create`.
-- A name is unique among live tokens, so `radar tokens revoke crm-sync` names one token; a revoked
-- token keeps its row (requests made with it are answered 401 "revoked", not "unknown").
CREATE TABLE api_tokens (
  token_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name             text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
  token_hash       text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  scopes           jsonb NOT NULL CHECK (jsonb_typeof(scopes) = 'array'),
  created_at       timestamptz NOT NULL DEFAULT now(),
  revoked_at       timestamptz,
  last_used_at     timestamptz
);
CREATE UNIQUE INDEX api_tokens_live_name_idx ON api_tokens (name) WHERE revoked_at IS NULL;
