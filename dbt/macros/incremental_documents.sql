{#
  Incremental by document (docs/scaling.md, "dbt: incremental by document").

  The intermediate models whose rows each belong to one disclosure, and where a build spends its time over
  many documents, are `materialized='incremental'` with `incremental_by_document()`.  A build then computes
  the rows of the documents that are new or whose files changed, and keeps the rows of every other document:

    * a disclosure's build key is an md5 of its source files' ids (content hashes) and load times
      (`document_build_keys`): a new file, a re-read (a new extractor sets `loaded_at`), a prose file that
      joins or leaves a disclosure, all change it;
    * beside each such model, `<model>__documents` holds the (document_id, build_key) its rows were computed
      for (written by the model's post-hook, in the model's transaction);
    * the pre-hook deletes the rows of every document that is not in that table with its current key (changed,
      new, or gone from the raw layer); the model's sources keep only those documents
      (`stale_documents_only(column)` in each source CTE); dbt appends what they give.

  A full refresh (`dbt build --full-refresh`, the first build, or a model table without its `__documents`
  table) computes every document.  The build (dagster_project/defs/marts/assets.py) adds `--full-refresh`
  whenever the dbt project changed since the last successful build (a model, seed, macro, var or the profile:
  raw.build_state's project fingerprint), so a change of rules or code never leaves old rows behind.  Running
  dbt by hand after editing a model: pass `--full-refresh` yourself.
#}

{% macro incremental_by_document() -%}
    {%- do return({
        'materialized': 'incremental',
        'incremental_strategy': 'append',
        'on_schema_change': 'fail',
        'pre_hook': ["{{ forget_stale_documents() }}"],
        'post_hook': ["{{ remember_built_documents() }}"],
    }) -%}
{%- endmacro %}


{# every disclosure of the raw layer with the key of its current content #}
{% macro document_build_keys() -%}
    (
        select
            files.document_id,
            md5(string_agg(
                files.source_document_id || '@' || cast(raw_documents.loaded_at as varchar), ','
                order by files.source_document_id
            )) as build_key
        from {{ ref('stg_source_files') }} as files
        inner join {{ source('raw', 'documents') }} as raw_documents
            on cast(raw_documents.document_id as varchar) = files.source_document_id
        group by files.document_id
    )
{%- endmacro %}


{% macro built_documents_relation() -%}
    {%- if this is none or this.identifier is none -%}{%- do return(none) -%}{%- endif -%}
    {%- do return(this.incorporate(path={'identifier': this.identifier ~ '__documents'})) -%}
{%- endmacro %}


{# true when this run adds to the model's rows: incremental, and the model's __documents table is there #}
{% macro adds_to_built_documents() -%}
    {%- if not execute or model.resource_type == 'unit_test' or not is_incremental() -%}{%- do return(false) -%}{%- endif -%}
    {%- set state = built_documents_relation() -%}
    {%- if state is none -%}{%- do return(false) -%}{%- endif -%}
    {%- do return(adapter.get_relation(database=state.database, schema=state.schema, identifier=state.identifier) is not none) -%}
{%- endmacro %}


{# the documents whose rows this run computes (new or changed), as a subquery of document ids #}
{% macro stale_documents() -%}
    (
        select document_id from (
            select document_id, build_key from {{ document_build_keys() }}
            except
            select document_id, build_key from {{ built_documents_relation() }}
        )
    )
{%- endmacro %}


{# the filter of a source CTE: every row on a full build, the stale documents' rows on an incremental one #}
{% macro stale_documents_only(column='document_id') -%}
    {%- if adds_to_built_documents() -%}
        {{ column }} in {{ stale_documents() }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{# pre-hook: on an incremental run, drop the rows of documents that are stale or gone (a model table without
   its __documents table — built before this scheme — is emptied and filled again) #}
{% macro forget_stale_documents() -%}
    {%- if is_incremental() -%}
        {%- if adds_to_built_documents() -%}
            delete from {{ this }}
            where document_id not in (
                select document_id from (
                    select document_id, build_key from {{ document_build_keys() }}
                    intersect
                    select document_id, build_key from {{ built_documents_relation() }}
                )
            )
        {%- else -%}
            delete from {{ this }}
        {%- endif -%}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}


{# post-hook: the documents the model's rows are now computed for #}
{% macro remember_built_documents() -%}
    create or replace table {{ built_documents_relation() }} as
    select document_id, build_key from {{ document_build_keys() }}
{%- endmacro %}
