"""Start moto's server for ecsforge's end-to-end tests, with shims for the few
AWS APIs that moto 5.2.5 lacks or gets wrong and that the Terraform ecsforge
generates calls.

    target/moto-venv/bin/python tests/moto/ecsforge_moto.py --host 127.0.0.1 --port 5000

Every shim below emulates what real AWS does; none makes a wrong request
pass. They exist because the emulator is incomplete, not because the
generated Terraform is. The list, with the AWS behaviour each one stands in for:

1. Application Auto Scaling TagResource, UntagResource, ListTagsForResource,
   and the Tags of RegisterScalableTarget: moto has no tagging for scalable
   targets, and the provider reads the tags after every create (a 500 there
   makes it retry for 15 minutes).
2. CodeDeploy CreateDeploymentConfig, GetDeploymentConfig,
   DeleteDeploymentConfig, ListDeploymentConfigs: not in moto.
3. CodeBuild CreateProject/UpdateProject with source or artifacts of type
   CODEPIPELINE and no location: AWS accepts it (the pipeline supplies both);
   moto demands a location.
4. CodePipeline GetPipeline/ListPipelines timestamps: the JSON protocol
   sends timestamps as epoch seconds; moto sends ISO strings, which the SDK
   cannot decode.
5. Secrets Manager RotateSecret of a secret that has no value yet (ecsforge's
   managed secrets: the rotation function creates the first value): AWS starts
   the rotation; moto fails on an unset variable. The shim records the
   rotation configuration, checks the function exists, and invokes it as AWS
   does.
6. CodeStar Notifications (notification rules on pipelines): moto has no
   such service at all. A small in-memory implementation of the calls the
   provider makes (Create/Describe/Update/Delete notification rule,
   Tag/Untag/ListTagsForResource) answers requests signed for
   `codestar-notifications` before they reach moto.
7. ECS CreateService/UpdateService with a capacity provider strategy: AWS
   keeps the strategy and sets no launch type; moto drops the strategy and
   reports launch type EC2, which makes every later plan replace the
   service. moto also drops deploymentConfiguration (minimum healthy and
   maximum percent, the circuit breaker). The shim keeps
   capacityProviderStrategy, deploymentConfiguration, enableECSManagedTags,
   healthCheckGracePeriodSeconds and availabilityZoneRebalancing as given.
8. EC2 CreateLaunchTemplate with tags on the launch template itself: AWS
   tags the template; moto also copies those tags into the template's
   LaunchTemplateData.TagSpecifications as resource type "launch-template"
   (a type AWS does not allow there), so every later plan sees changed
   tag specifications, makes a new version and replaces the instance. The
   shim keeps the template's own tags out of its data.

9. The Smithy RPC v2 CBOR protocol (CloudWatch): the AWS SDK for Rust
   speaks CBOR to CloudWatch (`POST /service/<service>/operation/<op>`,
   header `smithy-protocol: rpc-v2-cbor`), which AWS accepts alongside JSON
   and query; moto understands only the latter two (boto3 and the Terraform
   provider use JSON or query). The shim translates such a request to the
   JSON protocol moto answers, and the answer back to CBOR, typing numbers
   and timestamps by botocore's model of the operation, as AWS does.

10. S3 GetBucketVersioning: AWS answers a `VersioningConfiguration`
   document; moto names the root element `GetBucketVersioningResponse`, which
   the AWS SDK for Rust rejects (boto3 and the Go SDK do not check the root).
   The shim answers the document AWS does.

Not a shim but moto configuration: Lambda runs without Docker (moto's own
`lambda.use_docker = False` setting), because CI has no Docker. Secrets Manager
still checks that a rotation function exists (prepare_account.py creates it)
and invokes it; the invocation succeeds without running code.

Also: AWS managed IAM policies (AmazonSSMManagedInstanceCore and the like)
are loaded, as in every AWS account (MOTO_IAM_LOAD_MANAGED_POLICIES).
"""

import argparse
import json
import os
import sys
import time
import uuid

os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

from moto.applicationautoscaling import responses as aas_responses  # noqa: E402
from moto.codebuild import responses as codebuild_responses  # noqa: E402
from moto.codedeploy import responses as codedeploy_responses  # noqa: E402
from moto.codepipeline import models as codepipeline_models  # noqa: E402
from moto.core.models import default_user_config  # noqa: E402
from moto.ec2.models import launch_templates as lt_models  # noqa: E402
from moto.ecs import responses as ecs_responses  # noqa: E402
from moto.s3 import responses as s3_responses  # noqa: E402
from moto.secretsmanager import models as secretsmanager_models  # noqa: E402
from moto import server as moto_server  # noqa: E402
from moto.server import main as moto_main  # noqa: E402

# --- 1. Application Auto Scaling tags ---------------------------------------

# (account, region, arn) -> {key: value}
_AAS_TAGS: dict = {}


def _aas_key(resp, arn):
    return (resp.current_account, resp.region, arn)


def _aas_list_tags_for_resource(self):
    arn = self._get_param("ResourceARN")
    return json.dumps({"Tags": _AAS_TAGS.get(_aas_key(self, arn), {})})


def _aas_tag_resource(self):
    arn = self._get_param("ResourceARN")
    _AAS_TAGS.setdefault(_aas_key(self, arn), {}).update(self._get_param("Tags") or {})
    return json.dumps({})


def _aas_untag_resource(self):
    arn = self._get_param("ResourceARN")
    tags = _AAS_TAGS.get(_aas_key(self, arn), {})
    for k in self._get_param("TagKeys") or []:
        tags.pop(k, None)
    return json.dumps({})


_aas_register = aas_responses.ApplicationAutoScalingResponse.register_scalable_target


def _aas_register_scalable_target(self):
    body = _aas_register(self)
    tags = self._get_param("Tags")
    if tags:
        arn = json.loads(body)["ScalableTargetARN"]
        _AAS_TAGS.setdefault(_aas_key(self, arn), {}).update(tags)
    return body


R = aas_responses.ApplicationAutoScalingResponse
R.list_tags_for_resource = _aas_list_tags_for_resource
R.tag_resource = _aas_tag_resource
R.untag_resource = _aas_untag_resource
R.register_scalable_target = _aas_register_scalable_target

# --- 2. CodeDeploy deployment configs ---------------------------------------

# (account, region, name) -> deploymentConfigInfo
_CD_CONFIGS: dict = {}


def _cd_error(kind, message):
    return json.dumps({"__type": kind, "message": message}), {"status": 400}


def _cd_create_deployment_config(self):
    name = self._get_param("deploymentConfigName")
    key = (self.current_account, self.region, name)
    if key in _CD_CONFIGS:
        return _cd_error("DeploymentConfigAlreadyExistsException", f"deployment config {name} already exists")
    info = {
        "deploymentConfigId": str(uuid.uuid4()),
        "deploymentConfigName": name,
        "computePlatform": self._get_param("computePlatform") or "Server",
        "createTime": time.time(),
    }
    for field in ("minimumHealthyHosts", "trafficRoutingConfig", "zonalConfig"):
        value = self._get_param(field)
        if value is not None:
            info[field] = value
    _CD_CONFIGS[key] = info
    return json.dumps({"deploymentConfigId": info["deploymentConfigId"]})


def _cd_get_deployment_config(self):
    name = self._get_param("deploymentConfigName")
    info = _CD_CONFIGS.get((self.current_account, self.region, name))
    if info is None:
        return _cd_error("DeploymentConfigDoesNotExistException", f"deployment config {name} does not exist")
    return json.dumps({"deploymentConfigInfo": info})


def _cd_delete_deployment_config(self):
    name = self._get_param("deploymentConfigName")
    _CD_CONFIGS.pop((self.current_account, self.region, name), None)
    return json.dumps({})


def _cd_list_deployment_configs(self):
    names = sorted(n for (a, r, n) in _CD_CONFIGS if (a, r) == (self.current_account, self.region))
    return json.dumps({"deploymentConfigsList": names})


D = codedeploy_responses.CodeDeployResponse
D.create_deployment_config = _cd_create_deployment_config
D.get_deployment_config = _cd_get_deployment_config
D.delete_deployment_config = _cd_delete_deployment_config
D.list_deployment_configs = _cd_list_deployment_configs

# --- 3. CodeBuild with a CODEPIPELINE source and artifacts ------------------

_cb_source = codebuild_responses._validate_required_params_source
_cb_artifacts = codebuild_responses._validate_required_params_artifacts


def _cb_validate_source(source):
    if source.get("type") == "CODEPIPELINE" and not source.get("location"):
        return None
    return _cb_source(source)


def _cb_validate_artifacts(artifacts):
    if artifacts.get("type") == "CODEPIPELINE" and not artifacts.get("location"):
        return None
    return _cb_artifacts(artifacts)


codebuild_responses._validate_required_params_source = _cb_validate_source
codebuild_responses._validate_required_params_artifacts = _cb_validate_artifacts

# --- 4. CodePipeline timestamps --------------------------------------------


def _cp_metadata(self):
    return {
        "pipelineArn": self._arn,
        "created": self._created.timestamp(),
        "updated": self._updated.timestamp(),
    }


codepipeline_models.CodePipeline.metadata = property(_cp_metadata)

# --- 5. RotateSecret of a secret without a value ----------------------------

_sm_rotate = secretsmanager_models.SecretsManagerBackend.rotate_secret


def _sm_rotate_secret(
    self, secret_id, client_request_token=None, rotation_lambda_arn=None, rotation_rules=None, rotate_immediately=True
):
    secret = self.secrets.get(secret_id) if self._is_valid_identifier(secret_id) else None
    if secret is None or getattr(secret, "versions", None) or not rotation_lambda_arn:
        return _sm_rotate(self, secret_id, client_request_token, rotation_lambda_arn, rotation_rules, rotate_immediately)
    from moto.awslambda.utils import get_backend

    lambdas = get_backend(self.account_id, self.region_name)
    try:
        lambdas.get_function(rotation_lambda_arn)
    except Exception:
        raise secretsmanager_models.ResourceNotFoundException(f"Resource not found for ARN '{rotation_lambda_arn}'.")
    days = (rotation_rules or {}).get("AutomaticallyAfterDays", 0)
    secret.rotation_lambda_arn = rotation_lambda_arn
    secret.auto_rotate_after_days = days
    secret.rotation_enabled = days > 0
    secret.rotation_requested = True
    if days:
        secret.next_rotation_date = int(time.time()) + int(days) * 86400
    token = client_request_token or str(uuid.uuid4())
    for step in ("create", "set", "test", "finish") if rotate_immediately else ("test",):
        body = json.dumps({"Step": step + "Secret", "SecretId": secret.name, "ClientRequestToken": token})
        lambdas.invoke(rotation_lambda_arn, qualifier=None, body=body, headers={}, response_headers={})
    secret.last_rotation_date = int(time.time())
    return secret.to_short_dict()


secretsmanager_models.SecretsManagerBackend.rotate_secret = _sm_rotate_secret

# --- 7. ECS services keep their capacity provider strategy ------------------

_KEPT_SERVICE_FIELDS = {
    "capacityProviderStrategy": "capacity_provider_strategy",
    "deploymentConfiguration": "deployment_configuration",
    "enableECSManagedTags": "enable_ecs_managed_tags",
    "healthCheckGracePeriodSeconds": "health_check_grace_period_seconds",
    "availabilityZoneRebalancing": "availability_zone_rebalancing",
}


def _ecs_keep(self, result):
    service = result.result["service"] if hasattr(result, "result") else None
    if service is None:
        return result
    for param, attr in _KEPT_SERVICE_FIELDS.items():
        value = self._get_param(param)
        if value is not None:
            setattr(service, attr, value)
    if getattr(service, "capacity_provider_strategy", None):
        service.launch_type = None
    return result


_ecs_create = ecs_responses.EC2ContainerServiceResponse.create_service
_ecs_update = ecs_responses.EC2ContainerServiceResponse.update_service


def _ecs_create_service(self):
    return _ecs_keep(self, _ecs_create(self))


def _ecs_update_service(self):
    return _ecs_keep(self, _ecs_update(self))


ecs_responses.EC2ContainerServiceResponse.create_service = _ecs_create_service
ecs_responses.EC2ContainerServiceResponse.update_service = _ecs_update_service

# --- 8. Launch template tags stay out of the template data ------------------

_lt_create = lt_models.LaunchTemplateBackend.create_launch_template


def _lt_create_launch_template(self, name, description, template_data, *args, **kwargs):
    specs = template_data.get("TagSpecifications")
    if specs:
        template_data["TagSpecifications"] = [s for s in specs if s.get("ResourceType") != "launch-template"]
    return _lt_create(self, name, description, template_data, *args, **kwargs)


lt_models.LaunchTemplateBackend.create_launch_template = _lt_create_launch_template

# --- Lambda without Docker (moto's own setting) ----------------------------

default_user_config.setdefault("lambda", {})["use_docker"] = False


# --- 6. CodeStar Notifications ---------------------------------------------

# arn -> rule
_NOTIFICATION_RULES: dict = {}


def _json_response(start_response, status, body):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def _notifications(environ, start_response):
    path = environ.get("PATH_INFO", "")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
    region = environ.get("HTTP_AUTHORIZATION", "").split("/")[2]
    not_found = ("400 Bad Request", {"__type": "ResourceNotFoundException", "Message": "no such notification rule"})
    if path == "/createNotificationRule":
        arn = f"arn:aws:codestar-notifications:{region}:123456789012:notificationrule/{uuid.uuid4().hex}"
        now = time.time()
        _NOTIFICATION_RULES[arn] = {
            "Arn": arn,
            "Name": body["Name"],
            "EventTypes": [{"EventTypeId": e} for e in body.get("EventTypeIds", [])],
            "Resource": body["Resource"],
            "Targets": [dict(t, TargetStatus="ACTIVE") for t in body.get("Targets", [])],
            "DetailType": body.get("DetailType", "BASIC"),
            "Status": body.get("Status", "ENABLED"),
            "Tags": body.get("Tags", {}),
            "CreatedBy": "arn:aws:iam::123456789012:root",
            "CreatedTimestamp": now,
            "LastModifiedTimestamp": now,
        }
        return _json_response(start_response, "200 OK", {"Arn": arn})
    if path == "/describeNotificationRule":
        rule = _NOTIFICATION_RULES.get(body.get("Arn"))
        return _json_response(start_response, *(("200 OK", rule) if rule else not_found))
    if path == "/updateNotificationRule":
        rule = _NOTIFICATION_RULES.get(body.get("Arn"))
        if not rule:
            return _json_response(start_response, *not_found)
        for key in ("Name", "DetailType", "Status"):
            if key in body:
                rule[key] = body[key]
        if "EventTypeIds" in body:
            rule["EventTypes"] = [{"EventTypeId": e} for e in body["EventTypeIds"]]
        if "Targets" in body:
            rule["Targets"] = [dict(t, TargetStatus="ACTIVE") for t in body["Targets"]]
        rule["LastModifiedTimestamp"] = time.time()
        return _json_response(start_response, "200 OK", {})
    if path == "/deleteNotificationRule":
        _NOTIFICATION_RULES.pop(body.get("Arn"), None)
        return _json_response(start_response, "200 OK", {"Arn": body.get("Arn")})
    if path == "/listTagsForResource":
        rule = _NOTIFICATION_RULES.get(body.get("Arn"))
        return _json_response(start_response, *(("200 OK", {"Tags": rule["Tags"]}) if rule else not_found))
    if path == "/tagResource":
        rule = _NOTIFICATION_RULES.get(body.get("Arn"))
        if not rule:
            return _json_response(start_response, *not_found)
        rule["Tags"].update(body.get("Tags", {}))
        return _json_response(start_response, "200 OK", {"Tags": rule["Tags"]})
    if path.startswith("/untagResource/"):
        from urllib.parse import parse_qs, unquote

        rule = _NOTIFICATION_RULES.get(unquote(path[len("/untagResource/") :]))
        if not rule:
            return _json_response(start_response, *not_found)
        for key in parse_qs(environ.get("QUERY_STRING", "")).get("tagKeys", []):
            rule["Tags"].pop(key, None)
        return _json_response(start_response, "200 OK", {})
    return _json_response(
        start_response, "400 Bad Request", {"__type": "UnknownOperationException", "Message": f"not emulated: {path}"}
    )


# --- 10. S3 GetBucketVersioning ---------------------------------------------


def _s3_get_bucket_versioning(self):
    status = self.backend.get_bucket_versioning(self.bucket_name)
    inner = f"<Status>{status}</Status>" if status else ""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{inner}</VersioningConfiguration>'
    )
    return 200, {"Content-Type": "application/xml"}, body


s3_responses.S3Response.get_bucket_versioning = _s3_get_bucket_versioning


# --- 9. Smithy RPC v2 CBOR -------------------------------------------------

# endpoint prefix in the signature -> botocore service name
_CBOR_SERVICES = {"monitoring": "cloudwatch"}


def _to_json_value(v):
    """A decoded CBOR request value as the JSON protocol carries it."""
    import base64
    import datetime

    if isinstance(v, dict):
        return {k: _to_json_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_to_json_value(x) for x in v]
    if isinstance(v, datetime.datetime):
        return v.timestamp()
    if isinstance(v, (bytes, bytearray)):
        return base64.b64encode(v).decode()
    return v


def _typed(v, shape):
    """A JSON answer value typed for CBOR by its botocore shape: timestamps
    as tag 1 (epoch seconds), doubles as floats, integers as ints, blobs as bytes."""
    import base64
    import datetime

    import cbor2

    if shape is None or v is None:
        return v
    t = shape.type_name
    if t == "structure" and isinstance(v, dict):
        return {k: _typed(x, shape.members.get(k)) for k, x in v.items()}
    if t == "list" and isinstance(v, list):
        return [_typed(x, shape.member) for x in v]
    if t == "map" and isinstance(v, dict):
        return {k: _typed(x, shape.value) for k, x in v.items()}
    if t == "timestamp":
        if isinstance(v, str):
            try:
                v = float(v)
            except ValueError:
                v = datetime.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()
        return cbor2.CBORTag(1, float(v))
    if t in ("double", "float") and isinstance(v, (int, float)):
        return float(v)
    if t in ("integer", "long") and isinstance(v, (int, float)):
        return int(v)
    if t == "blob" and isinstance(v, str):
        return base64.b64decode(v)
    return v


_BOTOCORE_MODELS: dict = {}


def _output_shape(service, operation):
    """botocore's output shape of an operation; one session and model per service, loaded once."""
    import botocore.session

    if service not in _BOTOCORE_MODELS:
        _BOTOCORE_MODELS[service] = botocore.session.get_session().get_service_model(service)
    return _BOTOCORE_MODELS[service].operation_model(operation).output_shape


def _rpc_v2_cbor(app, environ, start_response):
    import io

    import cbor2

    path = environ.get("PATH_INFO", "")
    parts = path.strip("/").split("/")  # service, <name>, operation, <op>
    if len(parts) != 4 or parts[0] != "service" or parts[2] != "operation":
        return None
    target_prefix, operation = parts[1], parts[3]
    scope = environ.get("HTTP_AUTHORIZATION", "").split("/")
    service = _CBOR_SERVICES.get(scope[3] if len(scope) > 3 else "")
    if service is None:
        return None
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    request = cbor2.loads(raw) if raw else {}
    body = json.dumps(_to_json_value(request)).encode()
    environ = dict(environ)
    environ.update(
        {
            "PATH_INFO": "/",
            "CONTENT_TYPE": "application/x-amz-json-1.0",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_X_AMZ_TARGET": f"{target_prefix}.{operation}",
            "HTTP_X_AMZN_QUERY_MODE": "true",
            "wsgi.input": io.BytesIO(body),
        }
    )
    captured = {}

    def capture(status, headers, exc_info=None):
        captured["status"] = status
        captured["headers"] = headers

    answer = b"".join(app(environ, capture))
    status = captured.get("status", "500 Internal Server Error")
    try:
        value = json.loads(answer) if answer.strip() else {}
    except ValueError:
        value = {"__type": "InternalFailure", "message": answer.decode(errors="replace")}
    if status.startswith("2"):
        value = _typed(value, _output_shape(service, operation))
    data = cbor2.dumps(value)
    start_response(
        status,
        [
            ("Content-Type", "application/cbor"),
            ("smithy-protocol", "rpc-v2-cbor"),
            ("Content-Length", str(len(data))),
        ],
    )
    return [data]


class _Dispatcher(moto_server.DomainDispatcherApplication):
    def __call__(self, environ, start_response):
        if "/codestar-notifications/aws4_request" in environ.get("HTTP_AUTHORIZATION", ""):
            return _notifications(environ, start_response)
        if environ.get("HTTP_SMITHY_PROTOCOL") == "rpc-v2-cbor":
            answered = _rpc_v2_cbor(super().__call__, environ, start_response)
            if answered is not None:
                return answered
        return super().__call__(environ, start_response)


moto_server.DomainDispatcherApplication = _Dispatcher


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    moto_main(["-H", args.host, "-p", str(args.port)])


if __name__ == "__main__":
    sys.exit(main())
