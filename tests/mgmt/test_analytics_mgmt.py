"""Analytics management on every front end: dataverses, datasets, indexes, the Local link, and the
remote/S3/Azure links kept as REST state by the mock's ``/analytics/link`` API.

Each front end works in a dataverse of its own (the mock is shared by the module), with a
two-part name (``bucket/scope`` style, sent in the request path) and the one-part ``Default``
(sent in the form body), so both of the server's addressings are exercised.
"""
from __future__ import annotations

import base64
import json
import urllib.request
from typing import Any, Callable, Dict, List

import pytest

from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.exceptions import (
    AnalyticsLinkExistsException,
    AnalyticsLinkNotFoundException,
    AuthenticationException,
    DatasetAlreadyExistsException,
    DatasetNotFoundException,
    DataverseAlreadyExistsException,
    DataverseNotFoundException,
    InvalidArgumentException,
)
from couchbase.management.analytics import (
    AnalyticsDataType,
    AnalyticsEncryptionLevel,
    AnalyticsLinkType,
    AzureBlobExternalAnalyticsLink,
    CouchbaseAnalyticsEncryptionSettings,
    CouchbaseRemoteAnalyticsLink,
    S3ExternalAnalyticsLink,
)
from couchbase.management.options import (
    CreateDatasetOptions,
    DropDatasetOptions,
    GetLinksAnalyticsOptions,
)
from couchbase.management.users import Role, User
from couchbase.options import ClusterOptions
from support.mgmt import blocking


def _links_rest(mock: Any, query: str = "") -> List[Dict[str, Any]]:
    """The mock's own listing (``GET /analytics/link``), as a server administrator sees it."""
    url = f"http://127.0.0.1:{mock.nodes[0].cbas_port}/analytics/link{query}"
    req = urllib.request.Request(url, headers={
        "Authorization": "Basic " + base64.b64encode(f"{mock.username}:{mock.password}".encode()).decode()})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def _s3(dataverse: str, region: str = "us-west-2", secret: str = "s3-secret") -> S3ExternalAnalyticsLink:
    return S3ExternalAnalyticsLink(dataverse, "s3link", "accesskey", region, secret_access_key=secret)


def test_dataverses_datasets_indexes(fe: Any, front_end_name: str) -> None:
    am = blocking(fe, fe.cluster.analytics_indexes())
    dv = f"dv_{front_end_name}/inner"
    am.create_dataverse(dv)
    try:
        with pytest.raises(DataverseAlreadyExistsException):
            am.create_dataverse(dv)
        am.create_dataverse(dv, ignore_if_exists=True)
        am.create_dataset("ds", "default", CreateDatasetOptions(dataverse_name=dv))
        with pytest.raises(DatasetAlreadyExistsException):
            am.create_dataset("ds", "default", dataverse_name=dv)
        mine = [d for d in am.get_all_datasets() if d.dataverse_name == dv]
        assert [(d.dataset_name, d.bucket_name) for d in mine] == [("ds", "default")]
        am.create_index("ix", "ds", {"name": AnalyticsDataType.STRING}, dataverse_name=dv)
        mine = [(i.name, i.dataset_name) for i in am.get_all_indexes() if i.dataverse_name == dv]
        assert mine == [("ix", "ds")]
        am.connect_link(dataverse_name=dv)
        # the service names a multi-part dataverse with dots in its statistics
        assert am.get_pending_mutations()[f"dv_{front_end_name}.inner.ds"] == 0
        am.disconnect_link(dataverse_name=dv)
        am.drop_index("ix", "ds", dataverse_name=dv)
        assert "ix" not in [i.name for i in am.get_all_indexes() if i.dataverse_name == dv]
        am.drop_dataset("ds", DropDatasetOptions(dataverse_name=dv))
        with pytest.raises(DatasetNotFoundException):
            am.drop_dataset("ds", dataverse_name=dv)
        am.drop_dataset("ds", dataverse_name=dv, ignore_if_not_exists=True)
        with pytest.raises(InvalidArgumentException):
            am.create_index("ix", "ds", {"name": "string"}, dataverse_name=dv)  # not an AnalyticsDataType
    finally:
        am.drop_dataverse(dv, ignore_if_not_exists=True)
    with pytest.raises(DataverseNotFoundException):
        am.drop_dataverse(dv)


@pytest.mark.parametrize("two_part", [True, False], ids=["scope-path", "default-form"])
def test_s3_link_lifecycle(fe: Any, front_end_name: str, mmock: Any, two_part: bool) -> None:
    am = blocking(fe, fe.cluster.analytics_indexes())
    dv = f"links_{front_end_name}/s3" if two_part else "Default"
    if two_part:
        am.create_dataverse(dv, ignore_if_exists=True)
    try:
        am.create_link(_s3(dv))
        with pytest.raises(AnalyticsLinkExistsException):
            am.create_link(_s3(dv, region="eu-west-1"))
        links = am.get_links(GetLinksAnalyticsOptions(dataverse_name=dv, name="s3link"))
        assert [(x.dataverse_name(), x.name(), x.link_type()) for x in links] == [
            (dv, "s3link", AnalyticsLinkType.S3External)]
        assert (links[0]._region, links[0]._access_key_id) == ("us-west-2", "accesskey")
        assert links[0]._secret_access_key is None  # the server never lists a secret
        served = [x for x in _links_rest(mmock) if x["scope"] == dv]
        assert served[0]["secretAccessKey"] == "<redacted sensitive entry>"
        assert "s3-secret" not in json.dumps(served)

        am.replace_link(_s3(dv, region="eu-west-2", secret="other"))
        assert am.get_links(dataverse_name=dv, name="s3link")[0]._region == "eu-west-2"
        assert am.get_links(dataverse_name=dv, link_type=AnalyticsLinkType.AzureBlobExternal) == []

        am.drop_link("s3link", dv)
        assert am.get_links(dataverse_name=dv, name="s3link") == []
        with pytest.raises(AnalyticsLinkNotFoundException):
            am.drop_link("s3link", dv)
        with pytest.raises(AnalyticsLinkNotFoundException):
            am.replace_link(_s3(dv))
    finally:
        try:
            am.drop_link("s3link", dv)
        except AnalyticsLinkNotFoundException:
            pass
        if two_part:
            am.drop_dataverse(dv, ignore_if_not_exists=True)


def test_remote_and_azure_links_listed_by_type(fe: Any, front_end_name: str) -> None:
    am = blocking(fe, fe.cluster.analytics_indexes())
    dv = f"links_{front_end_name}/kinds"
    am.create_dataverse(dv, ignore_if_exists=True)
    try:
        full = CouchbaseAnalyticsEncryptionSettings(AnalyticsEncryptionLevel.FULL, certificate=b"CERT",
                                                    client_certificate=b"CCERT", client_key=b"CKEY")
        am.create_link(CouchbaseRemoteAnalyticsLink(dv, "remote", "remote.example", full))
        am.create_link(AzureBlobExternalAnalyticsLink(dv, "blob", account_name="acct", account_key="key",
                                                      blob_endpoint="https://blob.example"))
        kinds = {x.name(): x for x in am.get_links(dataverse_name=dv)}
        assert sorted(kinds) == ["blob", "remote"]
        remote = am.get_links(dataverse_name=dv, link_type=AnalyticsLinkType.CouchbaseRemote)
        assert [x.name() for x in remote] == ["remote"]
        assert remote[0]._hostname == "remote.example"
        assert remote[0]._encryption.encryption_level is AnalyticsEncryptionLevel.FULL
        assert remote[0]._encryption.certificate == b"CERT" and remote[0]._encryption.client_key is None
        assert (kinds["blob"]._account_name, kinds["blob"]._account_key) == ("acct", None)
        assert kinds["blob"]._blob_endpoint == "https://blob.example"
    finally:
        am.drop_dataverse(dv, ignore_if_not_exists=True)
    # the links went with their dataverse, and do not come back with a new one of the same name
    am.create_dataverse(dv)
    try:
        assert am.get_links(dataverse_name=dv) == []
    finally:
        am.drop_dataverse(dv)


def test_link_errors(fe: Any, front_end_name: str, mmock: Any) -> None:
    am = blocking(fe, fe.cluster.analytics_indexes())
    before = _links_rest(mmock)
    for dv in ("notadataverse", "not/adataverse"):
        with pytest.raises(DataverseNotFoundException):
            am.create_link(_s3(dv))
        with pytest.raises(DataverseNotFoundException):
            am.replace_link(_s3(dv))
        with pytest.raises(DataverseNotFoundException):
            am.drop_link("s3link", dv)
        with pytest.raises(DataverseNotFoundException):
            am.get_links(dataverse_name=dv)
    none = CouchbaseAnalyticsEncryptionSettings(AnalyticsEncryptionLevel.NONE)
    half = CouchbaseAnalyticsEncryptionSettings(AnalyticsEncryptionLevel.HALF)
    full_no_key = CouchbaseAnalyticsEncryptionSettings(AnalyticsEncryptionLevel.FULL, certificate=b"c",
                                                       client_certificate=b"cc")
    bad = [
        _s3(""), S3ExternalAnalyticsLink("Default", "s3link", "", "us-west-2", secret_access_key="s"),
        S3ExternalAnalyticsLink("Default", "s3link", "key", "us-west-2"),  # no secret access key
        S3ExternalAnalyticsLink("Default", "s3link", "key", "", secret_access_key="s"),
        CouchbaseRemoteAnalyticsLink("Default", "", "host", none, "u", "p"),
        CouchbaseRemoteAnalyticsLink("Default", "r", "", none, "u", "p"),
        CouchbaseRemoteAnalyticsLink("Default", "r", "host", none, username="u"),
        CouchbaseRemoteAnalyticsLink("Default", "r", "host", half, password="p"),
        CouchbaseRemoteAnalyticsLink("Default", "r", "host", full_no_key),
        AzureBlobExternalAnalyticsLink("Default", "az"),
        AzureBlobExternalAnalyticsLink("Default", "az", account_name="acct"),
        AzureBlobExternalAnalyticsLink("Default", "az", shared_access_signature="sas"),
    ]
    for link in bad:
        with pytest.raises(InvalidArgumentException):
            am.create_link(link)
    with pytest.raises(InvalidArgumentException):
        am.create_link({"dataverse": "Default", "name": "x"})  # not a link object
    with pytest.raises(InvalidArgumentException):
        am.get_links(name="s3link")  # a name needs its dataverse
    with pytest.raises(InvalidArgumentException):
        am.get_links(link_type="ftp")
    with pytest.raises(InvalidArgumentException):
        am.drop_link("", "Default")
    assert _links_rest(mmock) == before  # nothing was stored by a refused request


def test_link_management_needs_an_analytics_admin(open_fe: Callable[..., Any], mmock: Any,
                                                  front_end_name: str) -> None:
    admin = Cluster(mmock.connstr, ClusterOptions(PasswordAuthenticator(mmock.username, mmock.password)))
    name, password = f"analytics-reader-{front_end_name}", "pw-reader"
    try:
        roles = {Role("analytics_reader"), Role("bucket_full_access", "default")}
        admin.users().upsert_user(User(name, roles=roles, password=password))
        reader = open_fe(authenticator=PasswordAuthenticator(name, password))
        am = blocking(reader, reader.cluster.analytics_indexes())
        assert isinstance(am.get_links(), list)  # a reader may list
        with pytest.raises(AuthenticationException):
            am.create_link(_s3("Default"))
        assert [x for x in _links_rest(mmock) if x["name"] == "s3link" and x["scope"] == "Default"] == []
    finally:
        try:
            admin.users().drop_user(name)
        finally:
            admin.close()


def test_link_objects_encode_as_the_server_wants() -> None:
    link = CouchbaseRemoteAnalyticsLink("a/b", "r", "host", CouchbaseAnalyticsEncryptionSettings(
        AnalyticsEncryptionLevel.HALF), username="u", password="p")
    assert dict(x.split("=") for x in link.form_encode().decode().split("&")) == {
        "type": "couchbase", "hostname": "host", "encryption": "half", "username": "u", "password": "p"}
    assert "dataverse=Default" in _s3("Default").form_encode().decode()  # one-part: in the body
    assert link.as_dict()["encryption"] == {"encryption_level": "half"}
    assert "s3-secret" not in repr(_s3("Default")) and "s3-secret" not in str(_s3("Default"))
    with pytest.raises(InvalidArgumentException):
        CouchbaseAnalyticsEncryptionSettings("full")  # type: ignore[arg-type]
