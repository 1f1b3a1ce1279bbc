package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/go-logr/logr"
	"github.com/golang/mock/gomock"
	"github.com/spf13/pflag"
	networking "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/record"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/yaml"

	elbv2api "sigs.k8s.io/aws-load-balancer-controller/v3/apis/elbv2/v1beta1"
	"sigs.k8s.io/aws-load-balancer-controller/v3/pkg/annotations"
	"sigs.k8s.io/aws-load-balancer-controller/v3/pkg/aws/services"
	"sigs.k8s.io/aws-load-balancer-controller/v3/pkg/certs"
	"sigs.k8s.io/aws-load-balancer-controller/v3/pkg/config"
	elbv2deploy "sigs.k8s.io/aws-load-balancer-controller/v3/pkg/deploy/elbv2"
	"sigs.k8s.io/aws-load-balancer-controller/v3/pkg/deploy/tracking"
	"sigs.k8s.io/aws-load-balancer-controller/v3/pkg/ingress"
	lbcmetrics "sigs.k8s.io/aws-load-balancer-controller/v3/pkg/metrics/lbc"
	"sigs.k8s.io/aws-load-balancer-controller/v3/pkg/model/core"
	elbv2model "sigs.k8s.io/aws-load-balancer-controller/v3/pkg/model/elbv2"
	elbv2k8s "sigs.k8s.io/aws-load-balancer-controller/v3/pkg/model/elbv2/k8s"
	networkingpkg "sigs.k8s.io/aws-load-balancer-controller/v3/pkg/networking"
)

const (
	vpcID       = "vpc-proof"
	clusterName = "proof"
)

func newScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := elbv2api.AddToScheme(s); err != nil {
		return nil, err
	}
	return s, nil
}

// readCluster decodes the objects the controller reads (core, networking,
// its own IngressClassParams); it skips every other kind.
func readCluster(data []byte) ([]runtime.Object, error) {
	s, err := newScheme()
	if err != nil {
		return nil, err
	}
	dec := serializer.NewCodecFactory(s).UniversalDeserializer()
	var out []runtime.Object
	r := k8syaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		js, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
			continue
		}
		obj, _, err := dec.Decode(js, nil, nil)
		if err != nil {
			continue // a kind the controller does not read
		}
		out = append(out, obj)
	}
}

// reporter is gomock's test reporter: a call the proof does not answer
// stops the model build with the mock's words.
type reporter struct{}

type unanswered struct{ msg string }

func (reporter) Errorf(format string, args ...any) { panic(unanswered{fmt.Sprintf(format, args...)}) }
func (reporter) Fatalf(format string, args ...any) { panic(unanswered{fmt.Sprintf(format, args...)}) }

// controller is the controller's ingress model builder and group loader
// over a fake client, configured with the controller's own defaults.
type controller struct {
	loader  ingress.GroupLoader
	builder ingress.ModelBuilder
	cfg     config.ControllerConfig
}

func newController(objs []runtime.Object) (*controller, error) {
	s, err := newScheme()
	if err != nil {
		return nil, err
	}
	k8sClient := fake.NewClientBuilder().WithScheme(s).WithRuntimeObjects(objs...).Build()

	// The controller's defaults: its flags, unset.
	cfg := config.ControllerConfig{FeatureGates: config.NewFeatureGates()}
	fs := pflag.NewFlagSet("aws-load-balancer-controller", pflag.ContinueOnError)
	cfg.BindFlags(fs)
	if err := fs.Parse([]string{"--cluster-name=" + clusterName}); err != nil {
		return nil, err
	}

	ctrl := gomock.NewController(reporter{})
	// Two subnets in two zones, as subnet discovery finds for an ALB.
	subnets := networkingpkg.NewMockSubnetsResolver(ctrl)
	subnets.EXPECT().ResolveViaDiscovery(gomock.Any(), gomock.Any()).Return([]ec2types.Subnet{
		{SubnetId: awssdk.String("subnet-proof-a"), AvailabilityZone: awssdk.String("zone-a"), VpcId: awssdk.String(vpcID), CidrBlock: awssdk.String("10.0.0.0/19")},
		{SubnetId: awssdk.String("subnet-proof-b"), AvailabilityZone: awssdk.String("zone-b"), VpcId: awssdk.String(vpcID), CidrBlock: awssdk.String("10.0.32.0/19")},
	}, nil).AnyTimes()
	subnets.EXPECT().IsSubnetInLocalZoneOrOutpost(gomock.Any(), gomock.Any()).Return(false, nil).AnyTimes()
	// No load balancer exists yet.
	tagging := elbv2deploy.NewMockTaggingManager(ctrl)
	tagging.EXPECT().ListLoadBalancers(gomock.Any(), gomock.Any()).Return(nil, nil).AnyTimes()
	backendSG := networkingpkg.NewMockBackendSGProvider(ctrl)
	backendSG.EXPECT().Get(gomock.Any(), gomock.Any(), gomock.Any()).Return("sg-proof-backend", nil).AnyTimes()
	backendSG.EXPECT().Release(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil).AnyTimes()
	ec2 := services.NewMockEC2(ctrl)
	elbv2 := services.NewMockELBV2(ctrl)
	wafv2 := services.NewMockWAFv2(ctrl)
	acm := services.NewMockACM(ctrl)
	certDiscovery := certs.NewMockCertDiscovery(ctrl)

	logger := logr.Discard()
	parser := annotations.NewSuffixAnnotationParser(annotations.AnnotationPrefixIngress)
	auth := ingress.NewDefaultAuthConfigBuilder(parser)
	backends := ingress.NewDefaultEnhancedBackendBuilder(k8sClient, parser, auth,
		cfg.IngressConfig.TolerateNonExistentBackendService, cfg.IngressConfig.TolerateNonExistentBackendAction)
	recorder := record.NewFakeRecorder(1000)
	builder := ingress.NewDefaultModelBuilder(k8sClient, recorder, ec2, elbv2, wafv2, acm, parser, subnets, auth, backends,
		tracking.NewDefaultProvider("ingress.k8s.aws", clusterName), tagging, cfg.FeatureGates,
		vpcID, clusterName, cfg.DefaultTags, cfg.ExternalManagedTags, cfg.DefaultSSLPolicy, cfg.DefaultTargetType,
		cfg.DefaultLoadBalancerScheme, backendSG, networkingpkg.NewDefaultSecurityGroupResolver(ec2, vpcID),
		cfg.EnableBackendSecurityGroup, cfg.EnableManageBackendSecurityGroupRules, cfg.DisableRestrictedSGRules,
		cfg.IngressConfig.AllowedCertificateAuthorityARNs, cfg.FeatureGates.Enabled(config.EnableIPTargetType),
		cfg.FeatureGates.Enabled(config.EnableCertificateManagement), cfg.IngressConfig.DefaultPCAArn, nil, nil, logger,
		lbcmetrics.NewMockCollector(), certDiscovery)
	classLoader := ingress.NewDefaultClassLoader(k8sClient, true)
	matcher := ingress.NewDefaultClassAnnotationMatcher(cfg.IngressConfig.IngressClass)
	loader := ingress.NewDefaultGroupLoader(k8sClient, recorder, parser, classLoader, matcher, cfg.IngressConfig.IngressClass == "")
	return &controller{loader: loader, builder: builder, cfg: cfg}, nil
}

// prove builds the model of every IngressGroup of the cluster.
func prove(objs []runtime.Object, reqs []Request) (*Report, error) {
	c, err := newController(objs)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	rep := &Report{ALBs: []LoadBalancer{}, Problems: []Problem{}, Answers: []Answer{}}
	var groups []ingress.GroupID
	for _, o := range objs {
		ing, ok := o.(*networking.Ingress)
		if !ok {
			continue
		}
		id, err := c.loader.LoadGroupIDIfAny(ctx, ing)
		if err != nil {
			rep.Problems = append(rep.Problems, Problem{Class: "rejected", Object: "Ingress " + ing.Namespace + "/" + ing.Name, Message: err.Error()})
			continue
		}
		if id != nil && !slices.Contains(groups, *id) {
			groups = append(groups, *id)
		}
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].String() < groups[j].String() })
	for _, id := range groups {
		alb, err := c.build(ctx, id)
		if err != nil {
			rep.Problems = append(rep.Problems, Problem{Class: "rejected", Object: "ALB group " + groupName(id),
				Message: "the controller does not reconcile the group (none of its Ingresses gets a load balancer): " + err.Error()})
			continue
		}
		rep.ALBs = append(rep.ALBs, *alb)
	}
	for _, r := range reqs {
		rep.Answers = append(rep.Answers, answer(rep.ALBs, r))
	}
	return rep, nil
}

func groupName(id ingress.GroupID) string {
	if id.IsExplicit() {
		return id.Name
	}
	return id.Namespace + "/" + id.Name
}

// build loads a group as the controller does and builds its model; a call
// to AWS the mocks do not answer is an error.
func (c *controller) build(ctx context.Context, id ingress.GroupID) (alb *LoadBalancer, err error) {
	defer func() {
		if r := recover(); r != nil {
			u, ok := r.(unanswered)
			if !ok {
				panic(r)
			}
			alb, err = nil, fmt.Errorf("the model builder asks AWS for what this proof does not answer: %s", u.msg)
		}
	}()
	group, err := c.loader.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(group.Members) == 0 {
		return nil, fmt.Errorf("no Ingress of the group is active")
	}
	stack, _, _, _, _, _, err := c.builder.Build(ctx, group, lbcmetrics.NewMockCollector())
	if err != nil {
		return nil, err
	}
	return readStack(ctx, id, group, stack)
}

// readStack reads the model the builder made.
func readStack(ctx context.Context, id ingress.GroupID, group ingress.Group, stack core.Stack) (*LoadBalancer, error) {
	alb := &LoadBalancer{Group: groupName(id)}
	for _, m := range group.Members {
		alb.Ingresses = append(alb.Ingresses, m.Ing.Namespace+"/"+m.Ing.Name)
	}
	var lbs []*elbv2model.LoadBalancer
	if err := stack.ListResources(&lbs); err != nil {
		return nil, err
	}
	for _, lb := range lbs {
		alb.Name, alb.Scheme = lb.Spec.Name, string(lb.Spec.Scheme)
	}
	var tgs []*elbv2model.TargetGroup
	if err := stack.ListResources(&tgs); err != nil {
		return nil, err
	}
	var bindings []*elbv2k8s.TargetGroupBindingResource
	if err := stack.ListResources(&bindings); err != nil {
		return nil, err
	}
	for _, tg := range tgs {
		t := TargetGroup{ID: tg.ID(), Name: tg.Spec.Name, TargetType: string(tg.Spec.TargetType), Protocol: string(tg.Spec.Protocol)}
		if tg.Spec.Port != nil {
			t.Port = *tg.Spec.Port
		}
		if tg.Spec.ProtocolVersion != nil {
			t.ProtocolVersion = string(*tg.Spec.ProtocolVersion)
		}
		if hc := tg.Spec.HealthCheckConfig; hc != nil {
			if hc.Port != nil {
				t.HealthCheck.Port = hc.Port.String()
			}
			t.HealthCheck.Protocol = string(hc.Protocol)
			t.HealthCheck.Path = deref(hc.Path)
			if hc.Matcher != nil {
				t.HealthCheck.Matcher = deref(hc.Matcher.HTTPCode) + deref(hc.Matcher.GRPCCode)
			}
			t.HealthCheck.Interval, t.HealthCheck.Timeout = deref(hc.IntervalSeconds), deref(hc.TimeoutSeconds)
			t.HealthCheck.Healthy, t.HealthCheck.Unhealthy = deref(hc.HealthyThresholdCount), deref(hc.UnhealthyThresholdCount)
		}
		for _, b := range bindings {
			if slices.ContainsFunc(b.Spec.Template.Spec.TargetGroupARN.Dependencies(), func(r core.Resource) bool { return r.ID() == tg.ID() }) {
				t.Service = b.Spec.Template.Namespace + "/" + b.Spec.Template.Spec.ServiceRef.Name
				t.ServicePort = b.Spec.Template.Spec.ServiceRef.Port.String()
			}
		}
		alb.TargetGroups = append(alb.TargetGroups, t)
	}
	var listeners []*elbv2model.Listener
	if err := stack.ListResources(&listeners); err != nil {
		return nil, err
	}
	var rules []*elbv2model.ListenerRule
	if err := stack.ListResources(&rules); err != nil {
		return nil, err
	}
	for _, ls := range listeners {
		l := Listener{Port: ls.Spec.Port, Protocol: string(ls.Spec.Protocol), SSLPolicy: deref(ls.Spec.SSLPolicy), Rules: []Rule{}}
		for _, c := range ls.Spec.Certificates {
			arn, err := c.CertificateARN.Resolve(ctx)
			if err != nil {
				return nil, err
			}
			l.Certificates = append(l.Certificates, arn)
		}
		l.Default = readActions(ls.Spec.DefaultActions)
		for _, r := range rules {
			if !slices.ContainsFunc(r.Spec.ListenerARN.Dependencies(), func(d core.Resource) bool { return d.ID() == ls.ID() }) {
				continue
			}
			rule := Rule{Priority: r.Spec.Priority, Actions: readActions(r.Spec.Actions)}
			for _, c := range r.Spec.Conditions {
				rule.Conditions = append(rule.Conditions, readCondition(c))
			}
			for _, t := range r.Spec.Transforms {
				rule.Transforms = append(rule.Transforms, fmt.Sprintf("%+v", t))
			}
			l.Rules = append(l.Rules, rule)
		}
		sort.Slice(l.Rules, func(i, j int) bool { return l.Rules[i].Priority < l.Rules[j].Priority })
		alb.Listeners = append(alb.Listeners, l)
	}
	sort.Slice(alb.Listeners, func(i, j int) bool { return alb.Listeners[i].Port < alb.Listeners[j].Port })
	sort.Slice(alb.TargetGroups, func(i, j int) bool { return alb.TargetGroups[i].ID < alb.TargetGroups[j].ID })
	return alb, nil
}

func readActions(as []elbv2model.Action) []Action {
	var out []Action
	for _, a := range as {
		act := Action{Type: string(a.Type)}
		if f := a.ForwardConfig; f != nil {
			for _, tg := range f.TargetGroups {
				fw := Forward{Weight: tg.Weight}
				if deps := tg.TargetGroupARN.Dependencies(); len(deps) == 1 {
					fw.TargetGroup = deps[0].ID()
				} else if arn, err := tg.TargetGroupARN.Resolve(context.Background()); err == nil {
					fw.TargetGroup = arn
				}
				act.Forward = append(act.Forward, fw)
			}
		}
		if r := a.RedirectConfig; r != nil {
			act.Redirect = &Redirect{Protocol: deref(r.Protocol), Host: deref(r.Host), Port: deref(r.Port), Path: deref(r.Path), Query: deref(r.Query), Status: r.StatusCode}
		}
		if f := a.FixedResponseConfig; f != nil {
			act.Fixed = &FixedResponse{Status: f.StatusCode, ContentType: deref(f.ContentType), Body: deref(f.MessageBody)}
		}
		out = append(out, act)
	}
	return out
}

func readCondition(c elbv2model.RuleCondition) Condition {
	out := Condition{Field: string(c.Field)}
	if h := c.HostHeaderConfig; h != nil {
		out.Values, out.Regex = h.Values, h.RegexValues
	}
	if p := c.PathPatternConfig; p != nil {
		out.Values, out.Regex = p.Values, p.RegexValues
	}
	if m := c.HTTPRequestMethodConfig; m != nil {
		out.Values = m.Values
	}
	if h := c.HTTPHeaderConfig; h != nil {
		out.Name, out.Values, out.Regex = h.HTTPHeaderName, h.Values, h.RegexValues
	}
	if q := c.QueryStringConfig; q != nil {
		for _, kv := range q.Values {
			out.Values = append(out.Values, deref(kv.Key)+"="+kv.Value)
		}
	}
	if s := c.SourceIPConfig; s != nil {
		out.Values = s.Values
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
