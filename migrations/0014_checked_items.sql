-- A provider's settlement counts, of each operation a field check measured short, the area the check found:
-- it looks up the provider's checked items in the county, of every sample of the season. The only index that
-- named them, the primary key, led through every item of every sample of the county, checked or not — a
-- twentieth of the county's operations a sample — to keep the few of the provider's that were checked. The
-- checked items of a provider, in an index of their own, are a few pages whatever the samples drawn.
CREATE INDEX verification_items_checked_idx ON verification_items (county_code, provider_id, operation_id)
    WHERE checked_at IS NOT NULL;
