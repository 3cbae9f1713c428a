-- A keyed request's original response is kept with its key, so that a replay answers it from there: the
-- audit log records changes and is no cache. Keys stored before keep the response their audit event holds.
ALTER TABLE idempotency_keys ADD COLUMN response jsonb;
UPDATE idempotency_keys k SET response = a.after
FROM audit_events a
WHERE a.object_type = 'operation' AND a.object_id = k.operation_id::text AND a.action = 'operation.create';
