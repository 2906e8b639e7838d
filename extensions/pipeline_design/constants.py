"""Every constant the design rules use, with where it comes from.

docs/design-rules.md cites each one. Replace a constant by a measured value
when we have one, and say so in its comment.
"""

from __future__ import annotations

# --- Kafka --------------------------------------------------------------------
# What one producer writes into one partition. Confluent's partition guidance
# quotes "tens of MB/s"; 10 MB/s is the conservative end.
KAFKA_PRODUCER_MB_S_PER_PARTITION = 10.0
# Write capacity of one broker after replication, for a rough broker count
# (Kafka: The Definitive Guide, ch. 2, "how many brokers").
KAFKA_BROKER_WRITE_MB_S = 75.0
KAFKA_REPLICATION_FACTOR = 3
KAFKA_MIN_BROKERS = 3
# Partitions cannot shrink and adding them re-shuffles keys: size for the growth
# horizon and round up to a power of two so 2, 4, 8... consumers divide them evenly.
KAFKA_MIN_PARTITIONS = 3

# --- Stream engines -------------------------------------------------------------
# Events one Flink slot runs through the generated job per second (validation, dedup,
# masking, enrichment, windows: streaming/core.py in PyFlink's thread mode), measured by
# `make bench-stream` in a generated Flink project (2,770 events/s over 200k events at
# parallelism 1 on our 2-core machines, 2026-11-26), rounded down. The per-event Python
# work is the bound, not Flink: a SQL-only job would do several times more.
FLINK_EVENTS_S_PER_SLOT = 2_700
FLINK_SLOTS_PER_TASKMANAGER = 4
FLINK_TASKMANAGER_VCPU = 4
# A real Faust worker processed ~1.3k events/s against a broker on our 2-core machines
# (STACK_NOTES.md); `make bench-stream`'s faust row, without a broker, is an upper bound.
FAUST_EVENTS_S_PER_WORKER = 1_300
# Headroom (rules K, S1, F): consumers sized so that, at the peak, a backlog built up over an
# outage of STREAM_OUTAGE_MINUTES drains within STREAM_CATCH_UP_MINUTES while new events keep
# arriving. Capacity C against the peak rate R must satisfy R x outage = (C - R) x catch-up,
# so the target utilisation R / C = catch-up / (outage + catch-up): 75 % here.
STREAM_OUTAGE_MINUTES = 10
STREAM_CATCH_UP_MINUTES = 30
STREAM_TARGET_UTILISATION = STREAM_CATCH_UP_MINUTES / (
    STREAM_OUTAGE_MINUTES + STREAM_CATCH_UP_MINUTES
)
# Past this many workers, operating Faust costs more than running Flink.
FAUST_MAX_RECOMMENDED_WORKERS = 8
# Checkpoints publish exactly-once transactional sinks: a record waits up to one interval,
# then the checkpoint's own duration (barrier alignment, state upload) and the commit.
# The interval takes half the latency target, the other half is left for the rest.
CHECKPOINT_LATENCY_SHARE = 0.5
# Below 10 s the checkpoint overhead dominates; above 5 minutes recovery replays too much.
CHECKPOINT_MIN_S = 10
CHECKPOINT_MAX_S = 300
# Keyed dedup state: keys live for the dedup window (answered: stream_dedup_window_minutes);
# bytes per key include the key (a UUID), the timestamp and the state backend's per-entry
# overhead.
STATE_BYTES_PER_KEY = 100
# Above this much keyed state per slot, heap state risks long GC pauses: use RocksDB.
HEAP_STATE_LIMIT_MB_PER_SLOT = 512

# --- Batch engines --------------------------------------------------------------
# Spark reads input in splits of this size (spark.sql.files.maxPartitionBytes).
SPARK_SPLIT_MB = 128
# Input (as stored: gzip JSON/CSV, Parquet) one Spark core turns into clean
# Parquet per second, with one shuffle (dedup) and one broadcast join.
# Conservative planning figure (~15-20 MB/s of decompressed JSON).
SPARK_CORE_MB_S = 2.5
# Executors of 4-5 cores keep HDFS/S3 client throughput good without huge JVMs.
SPARK_CORES_PER_EXECUTOR = 5
# Memory per core: shuffle- and join-heavy jobs (dedup, enrichment) need more.
SPARK_MEMORY_GB_PER_CORE_SHUFFLE = 4
SPARK_MEMORY_GB_PER_CORE_LIGHT = 2
SPARK_DRIVER_MEMORY_GB = 4
# The driver plans the stages and loads the gold tables; the executors do the heavy work.
SPARK_DRIVER_CORES = 1
# A run must finish within this share of the SLA, leaving the rest for a retry.
SLA_HEADROOM = 0.5
# The steady run at the growth horizon is sized to take at most this share of its time
# budget: a run that needs all of it misses the SLA on the first slow day.
BATCH_BUDGET_UTILISATION = 0.5
# Spark cannot finish anything in less: session start-up (~20 s) and one input split's
# task (SPARK_SPLIT_MB at SPARK_CORE_MB_S per core: ~51 s), with room for a retry.
SPARK_MIN_BUDGET_MINUTES = 3
# Target size of one shuffle partition (adaptive query execution coalesces smaller ones).
SHUFFLE_PARTITION_MB = 128
# Polars on one node, measured on the generated default project (`make bench`, 2 vCPU,
# PIPELINE_MEMORY_BUDGET_MB=512, 2026-11-26): 0.46 GB of input in 20-23 s at 0.84-0.88 GB
# peak RSS, 1.84 GB in 69-85 s at 1.20 GB (a shared machine: wall times vary). The batch
# never sits in memory; what grows with it (reference data held whole, DuckDB's share,
# allocator caches) adds ~0.26 GB per GB.
POLARS_NODE_MB_S = 22.0  # the slowest 4M run; not scaled up for more cores (chunk after chunk)
POLARS_NODE_VCPU = 4  # the 2 measured, and 2 for the orchestrator and the warehouse
POLARS_BASE_RSS_GB = 0.72
POLARS_RSS_GB_PER_INPUT_GB = 0.26
# Memory the node keeps beside the pipeline's peak (OS, page cache for the lake files).
POLARS_NODE_MEMORY_HEADROOM = 1.5
# One node up to this peak run: ~6 GB of memory and ~16 min at the measured rate. Beyond
# it Spark spreads the run and its growth over executors.
POLARS_MAX_RUN_GB = 20.0

# --- Storage --------------------------------------------------------------------
# Stored size of each zone as a share of the ingested bytes (zstd Parquet on
# text-like input compresses ~4x; gold holds aggregates only).
RAW_STORED_RATIO = 0.25
CLEAN_STORED_RATIO = 0.25
GOLD_STORED_RATIO = 0.02
RETENTION_DAYS_RAW = 90
RETENTION_DAYS_RAW_PERSONAL_DATA = 30  # GDPR storage limitation / HIPAA minimum necessary
RETENTION_DAYS_CLEAN = 365
RETENTION_DAYS_GOLD = 1_095
RETENTION_DAYS_QUARANTINE = 30
RETENTION_DAYS_AUDIT = 90
RETENTION_DAYS_AUDIT_SOC2 = 365  # SOC 2 auditors look back over a 12-month period
RETENTION_DAYS_AUDIT_HIPAA = 2_190  # HIPAA: six years (45 CFR 164.316(b)(2))

# --- Unit prices (USD, on-demand list prices, rounded; region-agnostic) ---------
PRICE_OBJECT_STORAGE_GB_MONTH = 0.023  # S3 Standard, first 50 TB
PRICE_VCPU_HOUR = 0.048  # general-purpose VM, 4 GB RAM per vCPU
# The memory that price includes: stream workers get exactly this per vCPU (manifests and
# cost table agree; Flink takes its managed memory for RocksDB out of it).
MEMORY_GB_PER_VCPU = 4
PRICE_KAFKA_BROKER_HOUR = 0.21  # managed Kafka broker, 2 vCPU / 8 GB
PRICE_KAFKA_STORAGE_GB_MONTH = 0.10  # managed Kafka broker storage (MSK's list price)
# Kafka keeps the source and the clean topic KAFKA_RETENTION_DAYS each (deploy/kafka/topics.yaml),
# on every replica, zstd-compressed (JSON events ~4x, as the lake's zstd Parquet).
KAFKA_RETENTION_DAYS = 7
KAFKA_FULL_RATE_TOPICS = 2
KAFKA_STORED_RATIO = 0.25
# Warehouse storage: Snowflake's compressed storage (on-demand $23/TB-month), a managed
# PostgreSQL's SSD volume (gp3-class), DuckDB's file on the pipeline node's block volume.
PRICE_SNOWFLAKE_STORAGE_GB_MONTH = 0.023
PRICE_POSTGRES_STORAGE_GB_MONTH = 0.115
PRICE_BLOCK_STORAGE_GB_MONTH = 0.08
# A cost per GB processed that this class of pipeline is commonly held to (the seed
# scenario's target); SCALABILITY.md shows the design's figure next to it.
COST_PER_GB_TARGET_USD = 0.10
PRICE_SNOWFLAKE_CREDIT = 3.0  # Snowflake Enterprise, one credit
SNOWFLAKE_CREDITS_PER_DAY = 4.0  # an X-Small warehouse active ~4 h a day
SNOWFLAKE_XSMALL_CREDITS_PER_HOUR = 1.0
PRICE_POSTGRES_HOUR = 0.18  # managed PostgreSQL, 2 vCPU / 8 GB
HOURS_PER_MONTH = 730
# A real-time API's serving store (rule V): a primary and a standby, holding the aggregates
# and the latest row per key the API looks back over (gold's share of the volume).
SERVING_INSTANCES = 2
SERVING_RETENTION_DAYS = 7
DAYS_PER_MONTH = 30.4

# --- Alerting (deploy/monitoring/alerts.yml) -------------------------------------
# Below this share of passed checks, more than 1 check in 20 failed.
ALERT_QUALITY_SCORE_MIN = 0.95
# Quarantine: an absolute ceiling, or a jump over the dataset's own 7-day median with a
# floor, so that a few stray rows page nobody.
ALERT_QUARANTINE_RATIO_MAX = 0.10
ALERT_QUARANTINE_SPIKE_FACTOR = 3.0
ALERT_QUARANTINE_RATIO_FLOOR = 0.01
# Slowdown: a run over this multiple of its own 7-day median; shorter runs than the
# floor are exempt (doubling there is noise: a cold cache, a busy node).
ALERT_SLOWDOWN_FACTOR = 2.0
ALERT_SLOWDOWN_MIN_SECONDS = 600
# Upper bounds (seconds) of the stage and run time histograms the pipeline exports: from a
# tenth of a second on a laptop to four hours; the run's time budget and twice it join them,
# so that a percentile over the budget is told apart from one just under it.
HISTOGRAM_SECONDS_BUCKETS = (0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1_800, 3_600, 7_200, 14_400)
# Cost: a batch run's compute estimate per GB of input (its wall time x the vCPUs the design
# gives a run x PRICE_VCPU_HOUR) over this multiple of what the design priced per GB alerts,
# for runs of at least ALERT_COST_MIN_INPUT_GB (smaller runs are start-up time, not cost).
ALERT_COST_OVERRUN_FACTOR = 2.0
ALERT_COST_MIN_INPUT_GB = 1.0
# A stream lag must last this long to alert (rides out rebalances and checkpoint pauses).
ALERT_STREAM_LAG_FOR_MINUTES = 10
