#!/usr/bin/env python3
"""Writes the benchmark request templates: a single entry with 2 items, and a bulk of 50 such
entries, and the asynchronous ones of bench/async.sh. `__MSGID__` is replaced per request by wrk (bench/post.lua) so replay detection stays on."""
import sys

def entry(n):
    return f"""<JournalEntryCreateRequest><MessageHeader><ID>E-{n}</ID><CreationDateTime>2025-03-01T10:00:00Z</CreationDateTime></MessageHeader>
<JournalEntry><OriginalReferenceDocumentType>BKPFF</OriginalReferenceDocumentType><BusinessTransactionType>RFBU</BusinessTransactionType>
<AccountingDocumentType>SA</AccountingDocumentType><DocumentReferenceID>BENCH-{n}</DocumentReferenceID><DocumentHeaderText>Benchmark rent</DocumentHeaderText>
<CreatedByUser>BENCH</CreatedByUser><CompanyCode>1010</CompanyCode><DocumentDate>2025-03-01</DocumentDate><PostingDate>2025-03-01</PostingDate>
<Item><ReferenceDocumentItem>1</ReferenceDocumentItem><GLAccount>65000000</GLAccount><AmountInTransactionCurrency currencyCode="EUR">1250.00</AmountInTransactionCurrency><DebitCreditCode>S</DebitCreditCode><DocumentItemText>Rent March</DocumentItemText><AccountAssignment><CostCenter>10101101</CostCenter></AccountAssignment></Item>
<Item><ReferenceDocumentItem>2</ReferenceDocumentItem><GLAccount>11001000</GLAccount><AmountInTransactionCurrency currencyCode="EUR">-1250.00</AmountInTransactionCurrency><DebitCreditCode>H</DebitCreditCode><DocumentItemText>Bank</DocumentItemText><ValueDate>2025-03-01</ValueDate></Item>
</JournalEntry></JournalEntryCreateRequest>"""

def envelope(entries, root="JournalEntryBulkCreateRequest", sender=""):
    body = "".join(entry(i + 1) for i in range(entries))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sfin="http://sap.com/xi/SAPSCORE/SFIN"><soapenv:Header/><soapenv:Body>
<sfin:{root}><MessageHeader><ID>__MSGID__</ID><CreationDateTime>2025-03-01T10:00:00Z</CreationDateTime>{sender}</MessageHeader>
{body}
</sfin:{root}></soapenv:Body></soapenv:Envelope>
"""

out = sys.argv[1]
open(f"{out}/single.xml", "w").write(envelope(1))
open(f"{out}/bulk50.xml", "w").write(envelope(50))
# Asynchronous (bench/async.sh): a 10,000-entry bulk (about 13 MB) and a 1-entry message, from DEMO_SENDER.
sender = "<SenderBusinessSystemID>DEMO_SENDER</SenderBusinessSystemID>"
open(f"{out}/async10000.xml", "w").write(envelope(10000, sender=sender))
open(f"{out}/async1.xml", "w").write(envelope(1, sender=sender))
