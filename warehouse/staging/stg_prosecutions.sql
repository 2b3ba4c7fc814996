-- Current prosecutions: the version of each record marked current (the latest by reporting month, then load:
-- warehouse/load/current.sql); withdrawn keys retired. A view: the versions are stored once.
create or replace view stg_prosecutions as
select columns(lambda c: c not in ('row_hash', 'current'))
from prosecutions
where current and not withdrawn
