#!/usr/bin/env python3
"""Interoperability check with zeep, run by ZeepInteropTests.swift.

Loads the WSDL from a running gateway (with HTTP Basic auth), calls
JournalEntryCreateRequestConfirmation_In once through the SOAP 1.1 port ("binding") and once
through the SOAP 1.2 port ("binding_soap12"), and prints one JSON object on stdout:

    {"results": [{"binding": "soap11", "messageID": ..., "accountingDocument": ..., "companyCode": ...,
                  "fiscalYear": ..., "severity": ..., "typeIDs": [...]}, ...]}

Usage: zeep_client.py <base URL> <user> <password> <message ID prefix>
Exits non-zero on any error (zeep raises on faults and on responses it cannot parse).
"""
import json
import sys

import requests
import zeep
from zeep.transports import Transport

SERVICE_PATH = "/sap/bc/srt/scs_ext/sap/journalentrycreaterequestconfi"


def entry(message_id):
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
                    "AmountInTransactionCurrency": {"_value_1": "-100.00", "currencyCode": "EUR"},
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
    transport = Transport(session=session, timeout=30, operation_timeout=30)
    client = zeep.Client(base + SERVICE_PATH + "?wsdl", transport=transport)

    services = [
        ("soap11", client.service),
        ("soap12", client.bind("service", "binding_soap12")),
    ]
    results = []
    for label, service in services:
        message_id = "%s-%s" % (prefix, label)
        response = service.JournalEntryCreateRequestConfirmation_In(
            MessageHeader={"ID": message_id, "CreationDateTime": "2025-03-01T10:00:00Z"},
            JournalEntryCreateRequest=[entry(message_id)],
        )
        for confirmation in response.JournalEntryCreateConfirmation:
            key = confirmation.JournalEntryCreateConfirmation
            log = confirmation.Log
            results.append(
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
    json.dump({"zeep": zeep.__version__, "results": results}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
