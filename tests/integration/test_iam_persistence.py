"""IAM and STS state survives SIGKILL of the server: every acknowledged write is there
on restart, and credentials issued before the kill still sign into their account."""

from __future__ import annotations

import json
from pathlib import Path

from irisops.sdk.server import ServerProcess

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)
SAGEMAKER_FULL = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"


def test_iam_and_sts_state_survive_sigkill(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = ServerProcess(data).start()
    try:
        iam = first.client("iam", aws_access_key_id="135791357913")
        role = iam.create_role(
            RoleName="trainer", AssumeRolePolicyDocument=TRUST, Tags=[{"Key": "k", "Value": "v"}]
        )["Role"]
        iam.attach_role_policy(RoleName="trainer", PolicyArn=SAGEMAKER_FULL)
        iam.put_role_policy(RoleName="trainer", PolicyName="inline", PolicyDocument=POLICY)
        policy = iam.create_policy(PolicyName="custom", PolicyDocument=POLICY)["Policy"]
        iam.create_policy_version(PolicyArn=policy["Arn"], PolicyDocument=POLICY, SetAsDefault=True)
        iam.create_user(UserName="ci")
        key = iam.create_access_key(UserName="ci")["AccessKey"]
        creds = first.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="sess")[
            "Credentials"
        ]
    finally:
        first.kill()

    second = ServerProcess(data).start()
    try:
        iam = second.client("iam", aws_access_key_id="135791357913")
        got = iam.get_role(RoleName="trainer")["Role"]
        assert (got["RoleId"], got["Tags"]) == (role["RoleId"], [{"Key": "k", "Value": "v"}])
        assert got["AssumeRolePolicyDocument"] == json.loads(TRUST)
        attached = iam.list_attached_role_policies(RoleName="trainer")["AttachedPolicies"]
        assert [p["PolicyArn"] for p in attached] == [SAGEMAKER_FULL]
        assert iam.list_role_policies(RoleName="trainer")["PolicyNames"] == ["inline"]
        assert iam.get_policy(PolicyArn=policy["Arn"])["Policy"]["DefaultVersionId"] == "v2"
        user_sts = second.client(
            "sts",
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
        )
        assert user_sts.get_caller_identity()["Arn"] == "arn:aws:iam::135791357913:user/ci"
        role_sts = second.client(
            "sts",
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
        identity = role_sts.get_caller_identity()
        assert identity["Arn"] == "arn:aws:sts::135791357913:assumed-role/trainer/sess"
        assert identity["Account"] == "135791357913"
    finally:
        second.stop()
