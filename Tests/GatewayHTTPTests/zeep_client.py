#!/usr/bin/env python3
"""Interoperability check with zeep, run by ZeepInteropTests.swift.

Loads the WSDL from a running gateway (with HTTP Basic auth), calls
JournalEntryCreateRequestConfirmation_In once through the SOAP 1.1 port ("binding") and once
through the SOAP 1.2 port ("binding_soap12"), and prints one JSON object on stdout:

    {"results": [{"binding": "soap11", "messageID": ..., "accountingDocument": ..., "companyCode": ...,
                  "fiscalYear": ..., "severity": ..., "typeIDs": [...]}, ...],
     "rejected": {...the same fields for an unbalanced entry posted through the SOAP 1.1 port...}}

The WSDL is self-contained (schema inline), so zeep needs nothing but the ?wsdl URL.

Usage: zeep_client.py <base URL> <user> <password> <message ID prefix>
For an https:// base URL, ZEEP_CA_BUNDLE=<PEM file> names the CA that issued the gateway's certificate.
Exits non-zero on any error (zeep raises on faults and on responses it cannot parse).
"""
import json
import os
import sys

import requests
import zeep
from zeep.transports import Transport

SERVICE_PATH = "/sap/bc/srt/scs_ext/sap/journalentrycreaterequestconfi"


def entry(message_id, credit="-100.00"):
    return {
        "MessageHeader": {"ID": message_id + "-1", "CreationDateTime": "2025-03-01T10:00:00Z"},
        "JournalEntry": {
            "OriginalReferenceDocumentType": "BKPFF",
            "BusinessTransactionType": "RFBU",
            "AccountingDocumentType": "SA",
            "DocumentHeaderText": "zeep " + message_id,
            "CreatedByUser": "ZEEP",
            "CompanyCode": "1010",
            "DocumentDate": "2025-03-01",
            "PostingDate": "2025-03-01",
            "Item": [
                {
                    "ReferenceDocumentItem": "1",
                    "GLAccount": "65000000",
                    "AmountInTransactionCurrency": {"_value_1": "100.00", "currencyCode": "EUR"},
                    "DebitCreditCode": "S",
                },
                {
                    "ReferenceDocumentItem": "2",
                    "GLAccount": "11001000",
                    "AmountInTransactionCurrency": {"_value_1": credit, "currencyCode": "EUR"},
                    "DebitCreditCode": "H",
                },
            ],
        },
    }


def main():
    base, user, password, prefix = sys.argv[1:5]
    session = requests.Session()
    session.auth = (user, password)
    session.trust_env = False  # never go through a proxy from the environment
    if os.environ.get("ZEEP_CA_BUNDLE"):  # https: trust this CA bundle (PEM) for the gateway's certificate
        session.verify = os.environ["ZEEP_CA_BUNDLE"]
    transport = Transport(session=session, timeout=30, operation_timeout=30)
    client = zeep.Client(base + SERVICE_PATH + "?wsdl", transport=transport)

    services = [
        ("soap11", client.service),
        ("soap12", client.bind("service", "binding_soap12")),
    ]

    def post(label, service, message_id, credit="-100.00"):
        response = service.JournalEntryCreateRequestConfirmation_In(
            MessageHeader={"ID": message_id, "CreationDateTime": "2025-03-01T10:00:00Z"},
            JournalEntryCreateRequest=[entry(message_id, credit)],
        )
        summaries = []
        for confirmation in response.JournalEntryCreateConfirmation:
            key = confirmation.JournalEntryCreateConfirmation
            log = confirmation.Log
            summaries.append(
                {
                    "binding": label,
                    "messageID": message_id,
                    "accountingDocument": key.AccountingDocument,
                    "companyCode": key.CompanyCode,
                    "fiscalYear": key.FiscalYear,
                    "severity": log.MaximumLogItemSeverityCode,
                    "typeIDs": [item.TypeID for item in (log.Item or [])],
                }
            )
        return summaries

    results = []
    for label, service in services:
        results += post(label, service, "%s-%s" % (prefix, label))
    # An unposted entry: SAP's key of single blanks must come through zeep unchanged.
    rejected = post("soap11", client.service, "%s-rejected" % prefix, credit="-90.00")
    json.dump({"zeep": zeep.__version__, "results": results, "rejected": rejected[0]}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
