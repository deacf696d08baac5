"""Writes the malformed-input corpus (tests/unit/test_bad_input.py) into this folder (the files are committed; run
`python tests/data/bad/build_corpus.py` to regenerate them after changing a case).

Each case is one file the importer must reject with FILE:LINE: column: rule, or - where accepting
is right - accept and store as text. cases.json holds, per file: the table it is imported as,
the companion files it needs (a valid customers file for tickets/NPS/MRR cases), and the verdict:
{"reject": {"line": N or null, "column": "...", "rule": "substring of the message"}} or
{"accept": {"table.column": "the exact text stored"}}. Files starting with `_` are companions.
The big inputs (200,000 rows, 1,000 columns x 2,000 rows, 200 MB) are generated at test time by
tests/unit/test_bad_input.py, not stored here.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
HEAD = "customer_id,name,signup_date,churn_date,churn_reason,plan,mrr,products_count\n"
OK1 = "c1,Acme,2024-01-05,,,Growth,100.50,2\n"
OK2 = "c2,Beta,2024-02-01,2024-05-01,Too expensive,Starter,20,1\n"
TICKETS_HEAD = "ticket_id,customer_id,created_at,first_response_at,resolved_at,agent_replies,csat,ces\n"
COMPANION = {"customers": "_customers_ok.csv"}

CASES: dict[str, dict] = {}


def case(name: str, data: bytes | str, verdict: dict, table: str = "customers") -> None:
    raw = data.encode() if isinstance(data, str) else data
    (HERE / name).write_bytes(raw)
    entry = {"table": table, **verdict}
    if table != "customers":
        entry["companions"] = dict(COMPANION)
    CASES[name] = entry


def reject(line, column, rule):
    return {"reject": {"line": line, "column": column, "rule": rule}}


def accept(**stored):
    return {"accept": {k.replace("__", "."): v for k, v in stored.items()}}


def customers(*rows: str, head: str = HEAD) -> str:
    return head + OK1 + "".join(r + "\n" for r in rows)


# The second customer of a one-bad-value file: valid in every column but the one under test.
CUSTOMER2 = {"customer_id": "c2", "name": "B", "signup_date": "2024-02-01", "churn_date": "",
             "churn_reason": "", "plan": "Starter", "mrr": "20", "products_count": "1"}


def bad_customer(name: str, column: str, value: str, rule: str) -> None:
    """A customers file whose second customer has `value` (as written in the file) in `column`:
    rejected on line 3 (header, the valid first customer, then it), naming that column."""
    case(name, customers(",".join({**CUSTOMER2, column: value}.values())), reject(3, column, rule))


def tickets(*rows: str) -> str:
    return TICKETS_HEAD + "".join(r + "\n" for r in rows)


# The one ticket of a one-bad-value tickets file (of the companion file's customer c1): valid in
# every column but the one under test.
TICKET1 = {"ticket_id": "t1", "customer_id": "c1", "created_at": "2024-01-06 10:00",
           "first_response_at": "", "resolved_at": "", "agent_replies": "", "csat": "", "ces": ""}


def bad_ticket(name: str, column: str, value: str, rule: str, **others: str) -> None:
    """A tickets file of one ticket with `value` in `column` (and `others` filled in, where the
    rule under test needs them): rejected on line 2, naming that column."""
    row = {**TICKET1, **others, column: value}
    case(name, tickets(",".join(row.values())), reject(2, column, rule), table="tickets")


def parquet(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def build() -> None:
    (HERE / "_customers_ok.csv").write_text(HEAD + OK1 + OK2)
    text = customers(OK2.rstrip())

    # --- encodings and containers ----------------------------------------------------------------
    case("enc_utf16le_bom.csv", codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
         reject(1, "(encoding)", "expected UTF-8 text, found UTF-16"))
    case("enc_utf16be_bom.csv", codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
         reject(1, "(encoding)", "expected UTF-8 text, found UTF-16"))
    case("enc_utf16le_nobom.csv", text.encode("utf-16-le"),
         reject(1, "(encoding)", "found a NUL byte (UTF-16 text without a BOM"))
    case("enc_latin1.csv", customers("c2,Société Générale,2024-02-01,,,Starter,20,1").encode("latin-1"),
         reject(3, "(encoding)", "byte 0xE9"))
    case("enc_cp1252_quotes.csv", customers("c2,\u201cBeta\u201d,2024-02-01,,,Starter,20,1")
         .encode("cp1252"), reject(3, "(encoding)", "byte 0x93"))
    case("enc_utf32.csv", codecs.BOM_UTF32_LE + text.encode("utf-32-le"),
         reject(1, "(encoding)", "expected UTF-8 text"))
    case("enc_latin1_late.csv", (HEAD + OK1 * 0 + "".join(
        f"c{i},Name {i},2024-01-05,,,Growth,1,1\n" for i in range(1, 5000))
        + "c9999,Müller,2024-01-05,,,Growth,1,1\n").encode("latin-1"),
         reject(5001, "(encoding)", "byte 0xFC"))
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as z:
        z.writestr("customers.csv", text)
    case("zip_renamed.csv", zbuf.getvalue(), reject(None, "(file)", "a ZIP archive"))
    case("gzip_renamed.csv", gzip.compress(text.encode(), mtime=0),
         reject(1, "(encoding)", "expected UTF-8 text"))
    case("pdf_renamed.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
         reject(2, "(encoding)", "expected UTF-8 text, found byte 0xE2"))
    case("nul_bytes.csv", customers("c2,Be\x00ta,2024-02-01,,,Starter,20,1"),
         reject(3, "(encoding)", "a NUL byte"))

    # --- headers ---------------------------------------------------------------------------------
    case("hdr_duplicate.csv", customers("c2,Beta,2024-02-01,,,Starter,20,1",
                                        head=HEAD.replace("plan,mrr", "plan,plan")),
         reject(1, "plan", "expected each column name once"))
    case("hdr_duplicate_case.csv", "customer_id,signup_date,Plan,PLAN\nc1,2024-01-05,A,B\n",
         reject(1, "PLAN", "expected each column name once"))
    case("hdr_duplicate_required.csv", "customer_id,signup_date,customer_id\nc1,2024-01-05,c1\n",
         reject(1, "customer_id", "expected each column name once"))
    case("hdr_zero_width_space.csv", "customer_id\u200b,signup_date\nc1,2024-01-05\n",
         reject(1, "customer_id", "a column named customer_id"))
    case("hdr_missing_signup.csv", "customer_id,name\nc1,Acme\n",
         reject(1, "signup_date", "a column named signup_date"))
    # Classic Mac OS line ends are read as line ends: accepted.
    case("ok_cr_only_newlines.csv", text.replace("\n", "\r"), accept(customers__customer_id="c2"))
    case("hdr_1000_columns_no_id.csv",
         ",".join(f"col{i}" for i in range(1000)) + "\n" + ",".join("x" * 1 for _ in range(1000)) + "\n",
         reject(1, "customer_id", "a column named customer_id"))

    # --- rows and quoting ------------------------------------------------------------------------
    case("row_extra_field.csv", customers("c2,Beta,2024-02-01,,,Starter,20,1,surprise"),
         reject(3, "(row)", "expected 8 fields like the header, found 9"))
    case("row_missing_fields.csv", customers("c2,Beta,2024-02-01"),
         reject(3, "(row)", "expected 8 fields like the header, found 3"))
    case("row_semicolon_in_comma_file.csv", customers("c2;Beta;2024-02-01;;;Starter;20;1"),
         reject(3, "(row)", "expected 8 fields like the header, found 1"))
    case("row_unterminated_quote.csv", customers('c2,"Beta,2024-02-01,,,Starter,20,1'),
         reject(3, "(row)", "expected"))
    # A quote inside an unquoted field is kept as a character (quotes only open a field): accepted.
    case("ok_stray_quote.csv", customers('c2,Be"ta"x,2024-02-01,,,Starter,20,1'),
         accept(customers__name='Be"ta"x'))

    # --- dates -----------------------------------------------------------------------------------
    case("date_mixed_formats.csv", customers("c2,B,05/01/2024,,,Starter,20,1",
                                             "c3,C,2024/01/05,,,Starter,20,1",
                                             "c4,D,Jan 5 2024,,,Starter,20,1"),
         reject(3, "signup_date", "expected an ISO date YYYY-MM-DD, found '05/01/2024'"))
    bad_customer("date_year_9999.csv", "churn_date", "9999-12-31",
                 "a date between 1900-01-01 and 2099-12-31, found '9999-12-31'")
    bad_customer("date_before_1900.csv", "signup_date", "1899-12-31",
                 "a date between 1900-01-01 and 2099-12-31, found '1899-12-31'")
    bad_customer("date_year_0001.csv", "signup_date", "0001-01-01",
                 "a date between 1900-01-01 and 2099-12-31")
    bad_customer("date_feb_30.csv", "signup_date", "2024-02-30",
                 "expected an ISO date YYYY-MM-DD, found '2024-02-30'")
    bad_customer("date_feb_29_non_leap.csv", "signup_date", "2023-02-29", "found '2023-02-29'")
    bad_customer("date_month_13.csv", "signup_date", "2024-13-01", "found '2024-13-01'")
    # docs/definitions.md, Data model: an ISO date may carry a time; a date column keeps the date.
    case("date_with_time.csv", customers("c2,B,2024-02-01 10:00:00,,,Starter,20,1"),
         accept(customers__signup_date="2024-02-01"))
    bad_customer("date_excel_serial.csv", "signup_date", "45292", "found '45292'")
    # A UTC offset (or Z) is taken off: the value is stored as UTC.
    case("ts_timezone.csv", tickets("t1,c1,2024-01-06T10:00:00+02:00,,,,,"),
         accept(tickets__created_at="2024-01-06 08:00:00"), table="tickets")
    bad_ticket("ts_year_9999.csv", "resolved_at", "9999-12-31 23:59:59",
               "a date-time between 1900-01-01 and 2099-12-31")
    case("mrr_month_mid.csv", "customer_id,month,mrr\nc1,2024-01-15,10\n",
         reject(2, "month", "the first day of a month"), table="mrr_history")

    # --- numbers ---------------------------------------------------------------------------------
    bad_customer("num_nan.csv", "mrr", "NaN", "expected a number like 1234.50, found 'NaN'")
    bad_customer("num_inf.csv", "mrr", "inf", "found 'inf'")
    bad_customer("num_neg_infinity.csv", "mrr", "-Infinity", "found '-Infinity'")
    bad_customer("num_overflow.csv", "mrr", "1e400", "found '1e400'")
    bad_customer("num_too_big_for_decimal.csv", "mrr", "12345678901.00", "found '12345678901.00'")
    bad_customer("num_thousands_separator.csv", "mrr", '"1,234.50"', "found '1,234.50'")
    case("num_decimal_comma.csv", customers("c2;B;2024-02-01;;;Starter;12,50;1",
                                            head=HEAD.replace(",", ";")).replace(OK1, OK1.replace(",", ";")),
         reject(3, "mrr", "found '12,50'"))
    bad_customer("num_int_overflow.csv", "products_count", "2147483648", "expected a whole number")
    bad_customer("num_fraction_products.csv", "products_count", "2.5", "found '2.5'")
    bad_customer("num_zero_products.csv", "products_count", "0", "expected a whole number >= 1")
    bad_ticket("num_csat_zero.csv", "csat", "0", "from 1 to 5", agent_replies="1")
    bad_ticket("num_csat_word.csv", "csat", "five", "found 'five'", agent_replies="1")
    case("num_nps_11.csv", "customer_id,responded_at,score\nc1,2024-03-01 10:00,11\n",
         reject(2, "score", "from 0 to 10"), table="nps_responses")
    bad_ticket("num_negative_replies.csv", "agent_replies", "-1", "a whole number >= 0")
    bad_customer("num_formula_in_mrr.csv", "mrr", "=1+1", "found '=1+1'")

    # --- ids and keys ----------------------------------------------------------------------------
    bad_customer("id_whitespace_only.csv", "customer_id", "   ", "(required)")
    bad_customer("id_duplicate_after_quote.csv", "customer_id", '"c1"',
                 "expected a unique customer_id")
    bad_ticket("ticket_resolved_before_created.csv", "resolved_at", "2024-01-05 10:00",
               "on or after created_at")
    case("reasons_two_categories.csv",
         "reason,category,owner_team\nToo expensive,Price,Finance\ntoo  EXPENSIVE ,Competitor,PM\n",
         reject(3, "category", "one category per reason"), table="churn_reason_categories")

    # --- parquet ---------------------------------------------------------------------------------
    # Whole numbers YYYYMMDD with a plausible year, month and day read as dates (CDNOW's shape).
    case("pq_int_dates.parquet", parquet(pa.table({
        "customer_id": ["c1", "c2"], "signup_date": pa.array([20240105, 20240201], pa.int64())})),
         accept(customers__signup_date="2024-01-05"))
    case("pq_float_products.parquet", parquet(pa.table({
        "customer_id": ["c1"], "signup_date": ["2024-01-05"], "products_count": [2.5]})),
         reject(1, "products_count", "found '2.5'"))
    case("pq_nan_mrr.parquet", parquet(pa.table({
        "customer_id": ["c1", "c2"], "signup_date": ["2024-01-05", "2024-01-06"],
        "mrr": [1.0, float("nan")]})), reject(2, "mrr", "expected a number like 1234.50"))
    case("pq_inf_mrr.parquet", parquet(pa.table({
        "customer_id": ["c1"], "signup_date": ["2024-01-05"], "mrr": [float("inf")]})),
         reject(1, "mrr", "expected a number like 1234.50"))
    case("pq_bool_id.parquet", parquet(pa.table({
        "customer_id": [True, True], "signup_date": ["2024-01-05", "2024-01-06"]})),
         reject(2, "customer_id", "expected a unique customer_id"))
    case("pq_nested_list.parquet", parquet(pa.table({
        "customer_id": ["c1"], "signup_date": [["2024-01-05"]]})),
         reject(1, "signup_date", "expected an ISO date"))
    case("pq_truncated.parquet", parquet(pa.table({
        "customer_id": ["c1"], "signup_date": ["2024-01-05"]}))[:40],
         reject(None, "(file)", "a readable Parquet file"))
    case("pq_is_csv.parquet", text, reject(None, "(file)", "expected a Parquet file"))

    # --- accepted: hostile text stored verbatim as text ------------------------------------------
    case("ok_formulas_in_text.csv", customers(
        'c2,"=HYPERLINK(""http://evil.example"",""x"")",2024-02-01,2024-03-01,'
        '@SUM(A1),+cmd|x,20,1'),
         accept(customers__name='=HYPERLINK("http://evil.example","x")',
                customers__churn_reason="@SUM(A1)", customers__plan="+cmd|x"))
    case("ok_html_markdown_js.csv", customers(
        'c2,<script>alert(1)</script>,2024-02-01,2024-03-01,"[click](javascript:alert(1))",'
        "**bold**,20,1"),
         accept(customers__name="<script>alert(1)</script>",
                customers__churn_reason="[click](javascript:alert(1))", customers__plan="**bold**"))
    case("ok_unicode_rtl_emoji.csv", customers("c\u00e9\U0001F600,\u202eevil\u202c \u05e9\u05dc\u05d5\u05dd,"
                                               "2024-02-01,,,Starter,20,1"),
         accept(customers__name="\u202eevil\u202c \u05e9\u05dc\u05d5\u05dd"))
    case("ok_parquet_named_csv.csv", parquet(pa.table({
        "customer_id": ["c1"], "signup_date": ["2024-01-05"]})),
         accept(customers__customer_id="c1"))

    (HERE / "cases.json").write_text(json.dumps(CASES, indent=1, ensure_ascii=True) + "\n")


if __name__ == "__main__":
    build()
    print(f"{len(CASES)} cases written to {HERE}")
