-- grain: one row per version of the reason mapping up to this snapshot's own (data/build.py
-- MAPPING_VERSIONS_SQL), newest first. other_*_pct = customers lost by the default as-of date whose
-- reason falls in Other / all customers lost by then * 100, before and after the version.
with final as (
    select version, snapshot_id, saved_at, saved_by, how, reasons, other_before_pct,
           other_after_pct
    from mapping_versions
)

select * from final
order by version desc
