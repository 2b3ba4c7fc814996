-- `tipstats report`: first-instance sentenced charges (trafficking + related) of year $year by imposed term
-- relative to the statutory minimum (mart_sentence_histogram).
select bin, sort_order, n, share
from mart_sentence_histogram
where basis = 'first' and year = $year and "group" = 'all'
order by sort_order
